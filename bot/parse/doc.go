// Package parse is the security boundary between chat text and the cluster:
// it turns the text of one Slack message into a typed executors.Command, or
// refuses it with a short, polite *Error.
//
//	Envelope.Text → Parse → executors.Command → policy (rbac) → executor
//
// BotKube filtered kubectl command lines with a deny-list, and flags such as
// --server, --as or -o go-template-file= slipped through. Here nothing is
// denied: a closed grammar per verb says what exists, and everything else,
// in every spelling pflag would accept, is an error.
//
// # Pipeline
//
// Each step runs exactly once, in this order, before any validation:
//
//  1. Size gate: more than MaxBytes (1 KB) or MaxTokens (32) words is refused.
//  2. Exactly one leading <@BOTID> (our own ID) is stripped. Any other mention
//     (<@U...>, a second <@BOTID>), special (<!here>, <!channel>,
//     <!subteam^...>) or channel link (<#C...>) anywhere is refused.
//  3. Slack links: <http://x|x> becomes x only when the label equals the URL
//     without its scheme (Slack auto-links names like deployments.apps).
//     <mailto:...>, bare <http://...>, other markup and stray < > are refused.
//  4. &lt; &gt; &amp; are decoded in a single pass, so &amp;lt; is the literal
//     text &lt; afterwards (which no rule accepts), never <.
//  5. Typographic dashes and smart quotes are REFUSED with a hint, not mapped:
//     "—" could have been "--" or "-", and running something other than what
//     was typed is worse than asking for a retype.
//  6. NFKC, then any rune outside printable ASCII is refused, naming it as
//     U+XXXX with its position. NFKC folds compatibility forms to the ASCII
//     a person meant, so fullwidth `ｇｅｔ` (an East Asian keyboard) and a
//     no-break space are ACCEPTED as `get` and a space: the result is plain
//     ASCII checked by the same grammar, so it can express nothing the ASCII
//     spelling could not. Zero-width and bidi characters and look-alikes
//     (Cyrillic а) survive NFKC and are refused. TAB, LF and CR are kept as
//     separators only.
//  7. One tokenizer, used by everything after it: words split on ASCII
//     whitespace, no quoting at all (no value needs a space; a quote
//     character is refused). A single code span around the whole command
//     (`...` or ```...```) is unwrapped, since that is how people protect a
//     command from smart punctuation and auto-linking.
//  8. The closed grammar (grammar.go) builds the Command: positional names
//     are DNS-1123 subdomains, namespaces DNS-1123 labels, resource types
//     [a-z0-9.-] (canonicalized later by the RESTMapper), label selectors
//     pass labels.Parse, integers and durations are bounded. Flags exist only
//     where a verb lists them; the flag reader follows pflag's rules
//     (--f=v, --f v, -fv, -f=v, -f v, combined booleans like -Ap), so a
//     disallowed flag is named in the error in whatever spelling it came.
//
// Finally the canonical rendering (Command.Tokens) must itself fit the step 1
// limits, so Parse(c.String()) == c holds for every accepted command; the
// fuzz target checks it.
//
// # Grammar
//
//	[kubectl|k] get RESOURCE [NAME...] | get TYPE/NAME...   -n -A -l -o wide|name|yaml|json
//	[kubectl|k] describe RESOURCE [NAME...]                  -n -l
//	[kubectl|k] logs POD|TYPE/NAME                           -n -c -p --tail 1..10000 --since ≤48h
//	[kubectl|k] events                                       -n -A --for TYPE/NAME
//	[kubectl|k] top pods|nodes [NAME]                        -n -A -l (nodes: -l)
//	[kubectl|k] rollout status|history|restart|undo TYPE/NAME  -n (undo: --to-revision)
//	[kubectl|k] scale TYPE/NAME --replicas 0..100            -n
//	[kubectl|k] delete pod NAME                              -n
//	[kubectl|k] cordon|uncordon NODE
//	helm list                                                -n -A
//	helm status|history|uninstall|get values RELEASE         -n
//	helm rollback RELEASE [REVISION]                         -n
//	help [TOPIC] | whoami | version
//	can-i COMMAND                  (any command above, or silence)
//	silence NAMESPACE/WORKLOAD DURATION [REASON...]          1m..7d, e.g. 2h, 1h30m, 3d
//
// Subcommands (rollout status, top pods, helm get values) follow their verb
// directly; flags may appear anywhere after that. Each flag may be given
// once; -n and -A exclude each other. Verbs are lower case. Label selectors
// are the equality forms (a=b, a!=b, a, !a, comma-joined): set-based ones
// need spaces, and the Gt/Lt operators are refused so no field ever holds a
// Slack control character. Objects whose names are not DNS-1123 (RBAC roles
// like system:node) cannot be named from chat.
//
// An empty message is CodeEmpty; callers may answer it with help.
package parse
