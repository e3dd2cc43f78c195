package parse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/watchkeeper/watchkeeper/bot/parse"
	"github.com/watchkeeper/watchkeeper/executors"
)

// allowedFlagTokens are the only flag spellings a canonical rendering uses.
var allowedFlagTokens = map[string]bool{
	"-n": true, "-A": true, "-l": true, "-o": true, "-c": true, "-p": true,
	"--tail": true, "--since": true, "--for": true, "--replicas": true, "--to-revision": true,
}

// neverFlags are prefixes of input words that must never be part of an
// accepted command, whatever follows them.
var neverFlags = []string{
	"--server", "-s", "--kubeconfig", "--context", "--cluster", "--user", "--token", "--as", "--raw",
	"--template", "--profile", "--cache-dir", "-v", "--v", "--insecure", "--request-timeout", "--password",
	"--username", "--certificate", "--client", "--kube", "--registry", "--repository", "--debug",
	"--force", "--grace-period", "--all=", "-f", "--filename", "-w", "--watch", "-ojsonpath", "-ogo",
}

var fuzzSeeds = []string{
	"get pods -n shop", "<@UBOT42> k get po/a po/b -ojson", "logs api -pcweb --tail=5 --since 90m",
	"events --for pod/x -A", "top po -A -l app=web,!canary", "rollout undo deploy/x --to-revision 3",
	"scale deploy x --replicas=0", "delete pods/x -n shop", "cordon node-1.example.com",
	"helm get values api -n x", "helm rollback api 3", "helm list -A", "can-i kubectl delete pod x -n y",
	"silence shop/api 7d deploy in progress", "help logs", "whoami", "version",
	"ｇｅｔ ｐｏｄｓ －ｎ ｓｈｏｐ", "get pods —n x", "get pods\u200b", "get <http://deployments.apps|deployments.apps>",
	"get pods -n &amp;lt;x", "`get pods -n shop`", "```\nget pods\n```", "get pods -As x", "get pods -shttps://x",
	"get pods --output=go-template-file=/etc/shadow", "get pods -- sh", "get pods -l 'a=b'", "g\u0435t pods",
	"get pods -n \u202epohs", "<!here> get pods", "get pods <mailto:a@b.c|a@b.c>", "helm get manifest api",
	"exec -it api -- sh", "get pods" + strings.Repeat(" a", 31),
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, fl := range forbiddenFlags {
		f.Add("kubectl get pods " + fl.in)
		f.Add("logs api " + fl.in)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := parse.Parse(text, botID) // must not panic
		if err != nil {
			var perr *parse.Error
			require.True(t, errors.As(err, &perr), "error of type %T", err)
			require.Equal(t, executors.Command{}, c)
			requireSafeError(t, perr)
			return
		}
		requireValidCommand(t, c)
		for _, w := range strings.Fields(norm.NFKC.String(text)) {
			for _, never := range neverFlags {
				require.False(t, strings.HasPrefix(w, never), "accepted %q containing %q", text, w)
			}
		}
		requireRoundTrip(t, c)
	})
}

// requireValidCommand checks the invariants of every accepted command.
func requireValidCommand(t *testing.T, c executors.Command) {
	t.Helper()
	fields := append([]string{string(c.Tool), c.Verb, c.Sub, c.Action, c.Resource, c.Namespace, c.Selector, c.Output, c.Container}, c.Names...)
	fields = append(fields, c.Args...)
	for _, s := range fields {
		requirePrintableASCII(t, s)
		require.False(t, strings.HasPrefix(s, "-"), "field %q looks like a flag", s)
		require.NotContains(t, s, " ")
	}
	require.Contains(t, []string{"", "wide", "name", "yaml", "json"}, c.Output)
	require.True(t, c.Tail >= 0 && c.Tail <= parse.MaxTail)
	require.True(t, c.Since >= 0 && c.Since <= parse.MaxSilence)
	if c.Verb == "logs" {
		require.LessOrEqual(t, c.Since, parse.MaxSince)
	}
	if c.Replicas != nil {
		require.True(t, *c.Replicas >= 0 && *c.Replicas <= parse.MaxReplicas)
	}
	require.GreaterOrEqual(t, c.Revision, 0)
	require.False(t, c.AllNamespaces && c.Namespace != "")
	if c.Tool != executors.ToolBuiltin {
		require.NotEmpty(t, c.Action)
	}
	if c.Action == "delete" {
		require.Contains(t, []string{"po", "pod", "pods"}, c.Resource)
		require.Len(t, c.Names, 1)
		require.Empty(t, c.Selector)
	}
	toks := c.Tokens()
	require.LessOrEqual(t, len(toks), parse.MaxTokens)
	for _, tok := range toks {
		require.NotEmpty(t, tok)
		requirePrintableASCII(t, tok)
		require.False(t, strings.ContainsAny(tok, " <>&`'\""), "token %q", tok)
		if strings.HasPrefix(tok, "-") {
			require.True(t, allowedFlagTokens[tok], "flag token %q in %q", tok, c.String())
		}
	}
	if c.Inner != nil {
		require.Equal(t, "can-i", c.Verb)
		require.NotEqual(t, "can-i", c.Inner.Verb)
		requireValidCommand(t, *c.Inner)
	}
}

func requirePrintableASCII(t *testing.T, s string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		require.True(t, s[i] >= 0x20 && s[i] <= 0x7e, "byte %#x in %q", s[i], s)
	}
}

func BenchmarkParse(b *testing.B) {
	inputs := []struct{ name, text string }{
		{"simple", "get pods -n shop"},
		{"mention flags", "<@UBOT42> kubectl logs api-7d9f-x2 -c web -p --tail=200 --since 15m -n shop"},
		{"slack link", "<@UBOT42> get <http://deployments.apps|deployments.apps> -n shop -o wide"},
		{"non-ascii nfkc", "ｇｅｔ ｐｏｄｓ －ｎ ｓｈｏｐ"},
		{"rejected flag", "kubectl get pods -n shop --as=system:admin"},
		{"max size", "kubectl get pods " + longName(1024-len("kubectl get pods "))},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = parse.Parse(in.text, botID)
			}
		})
	}
}
