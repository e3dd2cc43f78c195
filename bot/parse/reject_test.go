package parse_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/bot/parse"
)

// Steps 1 to 7: what Slack and keyboards do to text.
func TestParseRejectsNormalization(t *testing.T) {
	runReject(t, []rejectCase{
		// 1. size gate
		{"1025 bytes", "kubectl get pods " + longName(1025-len("kubectl get pods ")), parse.CodeTooLong, "1025 bytes"},
		{"huge input", strings.Repeat("get pods ", 10000), parse.CodeTooLong, ""},
		{"33 words", "kubectl get pods" + strings.Repeat(" a", 30), parse.CodeTooLong, "more than 32"},
		{"33 words with the mention", "<@UBOT42> kubectl get pods" + strings.Repeat(" a", 29), parse.CodeTooLong, ""},
		{"33 words via no-break spaces", "kubectl\u00a0get\u00a0pods" + strings.Repeat("\u00a0a", 30), parse.CodeTooLong, ""},
		{"canonical form too long", "get pods" + strings.Repeat(" a", 30), parse.CodeTooLong, "written out in full"},
		{"canonical form too long combined flags", "kubectl get pods" + strings.Repeat(" a", 27) + " -nx -owide", parse.CodeTooLong, "written out in full"},

		// 2. mentions and specials
		{"other user mention", "<@UBOT42> get pods <@U0ALICE>", parse.CodeMention, "Mentions"},
		{"other user first", "<@U0ALICE> get pods", parse.CodeMention, ""},
		{"second bot mention", "<@UBOT42> <@UBOT42> get pods", parse.CodeMention, ""},
		{"bot mention not leading", "get pods <@UBOT42>", parse.CodeMention, ""},
		{"labelled mention form", "<@UBOT42|watchkeeper> get pods", parse.CodeMention, ""},
		{"here", "get pods <!here>", parse.CodeMention, "@here"},
		{"channel", "<!channel> get pods", parse.CodeMention, ""},
		{"everyone", "get pods -n <!everyone>", parse.CodeMention, ""},
		{"user group", "get pods <!subteam^S0OPS|@ops>", parse.CodeMention, ""},
		{"date special", "<!date^1392734382^{date}|Feb 18>", parse.CodeMention, ""},
		{"channel link", "get pods -n <#C0PROD|prod>", parse.CodeMention, "Channel"},

		// 3. links
		{"label differs from url", "get <http://evil.example.com|deployments.apps>", parse.CodeLink, ""},
		{"label differs by path", "get <http://deployments.apps/x|deployments.apps>", parse.CodeLink, ""},
		{"bare link", "get pods -n <http://shop>", parse.CodeLink, ""},
		{"bare https link", "get pods --server <https://evil.example.com>", parse.CodeLink, ""},
		{"empty label", "get <http://a.b|>", parse.CodeLink, ""},
		{"mailto", "get pods -n <mailto:ops@example.com|ops@example.com>", parse.CodeLink, "email"},
		{"other scheme", "get <tel:+123|+123>", parse.CodeMarkup, ""},
		{"slack deep link", "get <slack://open|open>", parse.CodeMarkup, ""},
		{"stray gt", "get pods > out.txt", parse.CodeMarkup, ">"},
		{"unclosed lt", "get pods <http://a.b", parse.CodeMarkup, "<"},
		{"label with pipe", "get <http://a.b|a.b|a.b>", parse.CodeLink, ""},

		// 4. entities decode once, and what they decode to is still checked
		{"double-encoded lt stays text", "get pods -n &amp;lt;x", parse.CodeFlagValue, ""},
		{"encoded mention is text, not a mention", "get pods &lt;@UBOT42&gt;", parse.CodeArgument, ""},
		{"encoded special is text", "get pods -n &lt;!here&gt;", parse.CodeFlagValue, ""},
		{"shell chaining", "get pods &amp;&amp; kubectl delete ns prod", parse.CodeArgument, ""},
		{"redirect", "get pods -o yaml &gt; /tmp/x", parse.CodeArgument, ""},
		{"selector gt operator refused", "get pods -l replicas&gt;1", parse.CodeFlagValue, ""},
		{"encoded link is text", "get &lt;http://a.b|a.b&gt;", parse.CodeArgument, ""},
		{"unknown entity", "get pods -n &quot;shop&quot;", parse.CodeFlagValue, ""},

		// 5. smart punctuation
		{"em dash for --", "get pods \u2014namespace shop", parse.CodeSmartPunctuation, "U+2014"},
		{"en dash for -", "get pods \u2013n shop", parse.CodeSmartPunctuation, "U+2013"},
		{"minus sign", "get pods \u2212n shop", parse.CodeSmartPunctuation, "U+2212"},
		{"unicode hyphen", "get pods -n shop\u2010prod", parse.CodeSmartPunctuation, "U+2010"},
		{"non-breaking hyphen", "get pods -n shop\u2011prod", parse.CodeSmartPunctuation, "U+2011"},
		{"small em dash", "get pods \ufe58n shop", parse.CodeSmartPunctuation, "U+FE58"},
		{"smart single quotes", "get pods -l \u2018app=web\u2019", parse.CodeSmartPunctuation, "U+2018"},
		{"smart double quotes", "get pods -n \u201cshop\u201d", parse.CodeSmartPunctuation, "U+201C"},
		{"guillemets", "get pods -n \u00abshop\u00bb", parse.CodeSmartPunctuation, "U+00AB"},
		{"dash position reported", "k get po \u2014A", parse.CodeSmartPunctuation, "Character 10"},

		// 6. NFKC, then printable ASCII only
		{"zero-width space in verb", "ge\u200bt pods", parse.CodeRune, "U+200B"},
		{"zero-width space trailing", "get pods\u200b", parse.CodeRune, "Character 9 (U+200B)"},
		{"zero-width joiner", "get pods -n sh\u200dop", parse.CodeRune, "U+200D"},
		{"rtl override", "get pods -n \u202epohs", parse.CodeRune, "U+202E"},
		{"ltr mark", "get pods\u200e -n shop", parse.CodeRune, "U+200E"},
		{"bom", "\ufeffget pods", parse.CodeRune, "U+FEFF"},
		{"word joiner", "get po\u2060ds", parse.CodeRune, "U+2060"},
		{"cyrillic a in verb", "g\u0435t pods", parse.CodeRune, "U+0435"},
		{"cyrillic a in namespace", "get pods -n sh\u043ep", parse.CodeRune, "U+043E"},
		{"cyrillic es in flag", "get pods -\u0441 x", parse.CodeRune, "U+0441"},
		{"greek omicron", "get p\u03bfds", parse.CodeRune, "U+03BF"},
		{"combining accent composes first", "get pods -n shope\u0301", parse.CodeRune, "U+00E9"},
		{"emoji", "get pods \U0001F680", parse.CodeRune, "U+1F680"},
		{"nul", "get pods\x00 -n shop", parse.CodeRune, "U+0000"},
		{"escape sequence", "get pods \x1b[31m", parse.CodeRune, "U+001B"},
		{"vertical tab", "get pods\v-n shop", parse.CodeRune, "U+000B"},
		{"invalid utf-8", "get pods \xff\xfe", parse.CodeRune, "U+FFFD"},
		{"line separator", "get pods\u2028-n shop", parse.CodeRune, "U+2028"},
		{"fullwidth dashes fold to a forbidden flag", "get pods \uff0d\uff0dserver=x", parse.CodeFlag, "--server"},
		{"fullwidth lt folds to text", "get \uff1c@U0ALICE\uff1e", parse.CodeArgument, ""},

		// 7. tokenizer: no quoting at all
		{"single quotes", "get pods -l 'app=web'", parse.CodeQuote, "Quotes"},
		{"double quotes", "get pods -n \"shop\"", parse.CodeQuote, ""},
		{"quoted space", "get pods -l \"app in (a,b)\"", parse.CodeQuote, ""},
		{"backtick inside", "get pods `-n shop`", parse.CodeQuote, "backtick"},
		{"unbalanced code span", "`get pods -n shop", parse.CodeQuote, ""},
		{"two code spans", "`get pods` `-n shop`", parse.CodeQuote, ""},
		{"command substitution", "get pods -n $(whoami)", parse.CodeFlagValue, ""},
		{"empty", "", parse.CodeEmpty, ""},
		{"only mention", "<@UBOT42>", parse.CodeEmpty, ""},
		{"only whitespace", " \t\n ", parse.CodeEmpty, ""},
		{"empty code span", "``", parse.CodeEmpty, ""},
	})
}

// botUserID decides which single leading mention is ours.
func TestParseBotUserID(t *testing.T) {
	cases := []struct {
		name, bot, in string
		ok            bool
	}{
		{"our mention stripped", "UBOT42", "<@UBOT42> whoami", true},
		{"slash command has no mention to strip", "", "<@UBOT42> whoami", false},
		{"slash command plain", "", "whoami", true},
		{"someone else's bot ID", "UOTHER", "<@UBOT42> whoami", false},
		{"malformed bot ID never widens stripping", "UBOT42> <@U0ALICE", "<@UBOT42> <@U0ALICE> whoami", false},
		{"lower-case bot ID is not a Slack ID", "ubot42", "<@ubot42> whoami", false},
		{"workspace user ID W", "W0BOT", "<@W0BOT> whoami", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse.Parse(tc.in, tc.bot)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

// Verbs outside the grammar, in every spelling.
func TestParseRejectsVerbs(t *testing.T) {
	cases := []rejectCase{
		{"uppercase verb", "GET pods", parse.CodeVerb, "lower case"},
		{"capitalised verb", "Get pods", parse.CodeVerb, "lower case"},
		{"unknown verb", "frobnicate pods", parse.CodeVerb, "`frobnicate` is not available from chat."},
		{"kubectl alone", "kubectl", parse.CodeVerb, ""},
		{"helm alone", "helm", parse.CodeVerb, ""},
		{"kubectl version", "kubectl version", parse.CodeVerb, ""},
		{"kubectl help", "kubectl help", parse.CodeVerb, ""},
		{"kubectl can-i", "kubectl can-i get pods", parse.CodeVerb, ""},
		{"auth can-i", "kubectl auth can-i get pods", parse.CodeVerb, "`auth`"},
		{"plugin", "kubectl krew install x", parse.CodeVerb, ""},
		{"plugin binary name", "kubectl-exec pod", parse.CodeVerb, ""},
		{"global flag before verb", "kubectl --server=https://x get pods", parse.CodeFlag, "`--server`"},
		{"global short flag before verb", "kubectl -shttps://x get pods", parse.CodeFlag, "`-shttps://x`"},
		{"context before verb", "k --context prod delete pod x", parse.CodeFlag, "`--context`"},
		{"rollout missing sub", "rollout", parse.CodeVerb, ""},
		{"rollout pause", "rollout pause deploy/api", parse.CodeVerb, "`rollout pause`"},
		{"rollout resume", "rollout resume deploy/api", parse.CodeVerb, ""},
		{"rollout flag before sub", "rollout -n shop restart deploy/api", parse.CodeVerb, ""},
		{"top missing sub", "top", parse.CodeVerb, ""},
		{"top services", "top svc", parse.CodeVerb, ""},
		{"helm install", "helm install x ./chart", parse.CodeVerb, "`helm install`"},
		{"helm upgrade", "helm upgrade api chart --set image.tag=evil", parse.CodeVerb, ""},
		{"helm template", "helm template x", parse.CodeVerb, ""},
		{"helm repo", "helm repo add x https://x", parse.CodeVerb, ""},
		{"helm plugin", "helm plugin install x", parse.CodeVerb, ""},
		{"helm ls alias", "helm ls", parse.CodeVerb, ""},
		{"helm delete alias", "helm delete api", parse.CodeVerb, ""},
		{"helm get alone", "helm get", parse.CodeVerb, ""},
		{"helm get manifest", "helm get manifest api", parse.CodeVerb, "`helm get manifest`"},
		{"helm get notes", "helm get notes api", parse.CodeVerb, ""},
		{"helm get all", "helm get all api", parse.CodeVerb, ""},
		{"helm get hooks", "helm get hooks api", parse.CodeVerb, ""},
		{"helm get-values", "helm get-values api", parse.CodeVerb, ""},
		{"helm kube-context first", "helm --kube-context prod list", parse.CodeFlag, ""},
		{"helm status uppercase", "helm Status api", parse.CodeVerb, "lower case"},
	}
	for _, verb := range []string{"exec", "attach", "cp", "port-forward", "proxy", "edit", "debug", "run", "apply",
		"create", "replace", "patch", "config", "auth", "label", "annotate", "set", "expose", "drain", "taint",
		"certificate", "wait", "kustomize", "plugin", "alpha", "api-resources", "explain"} {
		cases = append(cases,
			rejectCase{"bare " + verb, verb + " pod/x -n shop", parse.CodeVerb, "`" + verb + "` is not available from chat."},
			rejectCase{"kubectl " + verb, "kubectl " + verb + " x", parse.CodeVerb, "`" + verb + "` is not available from chat."})
	}
	runReject(t, cases)
}
