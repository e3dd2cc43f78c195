package parse

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits of step 1. They bound the work every later step does and how much a
// hostile message can make the audit log carry.
const (
	MaxBytes  = 1024
	MaxTokens = 32
)

// checkSize is step 1. Words are counted on the raw text with Unicode
// whitespace as separators, which is a superset of what the tokenizer splits
// on after NFKC (NBSP and friends fold to a space), so nothing admitted here
// can grow past the limit later.
func checkSize(text string) *Error {
	if len(text) > MaxBytes {
		return fail(CodeTooLong,
			fmt.Sprintf("That message is too long for a command (%d bytes; the limit is %d).", len(text), MaxBytes),
			"Commands are short: one verb, a resource, a few names and flags.")
	}
	words, inWord := 0, false
	for _, r := range text {
		if unicode.IsSpace(r) {
			inWord = false
			continue
		}
		if !inWord {
			words++
			if words > MaxTokens {
				return fail(CodeTooLong,
					fmt.Sprintf("That command has too many words (more than %d).", MaxTokens),
					"Split it into several commands.")
			}
		}
		inWord = true
	}
	return nil
}

// stripMention is step 2: remove exactly one leading mention of the bot, then
// refuse any other mention or special. Slack encodes everything a person
// types literally (&lt; &gt; &amp;), so a raw "<@", "<!" or "<#" can only be
// Slack's own markup, which would ping or link someone if echoed.
func stripMention(text, botUserID string) (string, *Error) {
	t := strings.TrimLeftFunc(text, unicode.IsSpace)
	if isSlackID(botUserID) {
		t = strings.TrimPrefix(t, "<@"+botUserID+">")
	}
	switch {
	case strings.Contains(t, "<@"):
		return "", fail(CodeMention, "Mentions can't be part of a command.",
			"Mention me once, at the start: `@watchkeeper get pods -n NAMESPACE`.")
	case strings.Contains(t, "<!"):
		return "", fail(CodeMention, "Special mentions like @here, @channel or user groups can't be part of a command.", "")
	case strings.Contains(t, "<#"):
		return "", fail(CodeMention, "Channel links can't be part of a command.", "")
	}
	return t, nil
}

// isSlackID accepts the shape of a Slack user ID, so a misconfigured ID can
// never widen what step 2 strips.
func isSlackID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// unwrapLinks is step 3. Slack auto-links anything that looks like a domain,
// and resource names often do (deployments.apps, api.example.com), arriving
// as <http://deployments.apps|deployments.apps>. Only that exact shape is
// unwrapped to its label: a label that differs from its URL is someone
// hiding one text behind another, and a bare <http://...> was a real URL.
func unwrapLinks(t string) (string, *Error) {
	if !strings.ContainsAny(t, "<>") {
		return t, nil
	}
	var b strings.Builder
	for {
		i := strings.IndexAny(t, "<>")
		if i < 0 {
			b.WriteString(t)
			return b.String(), nil
		}
		if t[i] == '>' {
			return "", fail(CodeMarkup, "Unexpected `>` in the command.", "")
		}
		b.WriteString(t[:i])
		j := strings.IndexByte(t[i:], '>')
		if j < 0 {
			return "", fail(CodeMarkup, "Unexpected `<` in the command.", "")
		}
		inner := t[i+1 : i+j]
		t = t[i+j+1:]
		label, err := linkLabel(inner)
		if err != nil {
			return "", err
		}
		b.WriteString(label)
	}
}

func linkLabel(inner string) (string, *Error) {
	if strings.HasPrefix(inner, "mailto:") {
		return "", fail(CodeLink, "Slack turned part of the command into an email link, which I can't accept.",
			"Put the command in a code span (`like this`) so Slack leaves it alone.")
	}
	var rest string
	switch {
	case strings.HasPrefix(inner, "http://"):
		rest = inner[len("http://"):]
	case strings.HasPrefix(inner, "https://"):
		rest = inner[len("https://"):]
	default:
		return "", fail(CodeMarkup, "The command contains Slack formatting I can't accept.", "Send the command as plain text.")
	}
	url, label, ok := strings.Cut(rest, "|")
	if !ok || label == "" || label != url || strings.ContainsAny(label, "<|") {
		return "", fail(CodeLink, "Links can't be part of a command.",
			"If Slack linked a name by itself, put the command in a code span (`like this`).")
	}
	return label, nil
}

// decodeEntities is step 4: exactly one pass, so "&amp;lt;" becomes the
// literal text "&lt;" (which no grammar rule accepts) and never "<".
// A strings.Replacer does not rescan its own output. It is safe for
// concurrent use and never modified.
var entityDecoder = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func decodeEntities(t string) string {
	if !strings.Contains(t, "&") {
		return t
	}
	return entityDecoder.Replace(t)
}

// refuseSmartPunctuation is step 5. Smart punctuation is refused, not
// mapped: a mapping would have to guess whether "—" was "--" or "-", and a
// command that runs something other than what was typed is worse than a
// retry. Only runes that NFKC would not fold to ASCII are listed; the
// fullwidth forms (U+FF0D) fold to '-' in step 6 like every fullwidth letter.
func refuseSmartPunctuation(t string) *Error {
	if isASCII(t) {
		return nil
	}
	pos := 0
	for _, r := range t {
		pos++
		switch r {
		case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\uFE58', '\u2E3A', '\u2E3B':
			return fail(CodeSmartPunctuation,
				fmt.Sprintf("Character %d is a typographic dash (U+%04X); your Slack client probably turned `--` or `-` into it.", pos, r),
				"Retype it with plain hyphens: turn off smart punctuation (iOS: Settings > General > Keyboard; macOS: Edit > Substitutions > Smart Dashes) or paste the command in a code span.")
		case '\u2018', '\u2019', '\u201A', '\u201B', '\u201C', '\u201D', '\u201E', '\u201F', '\u2032', '\u2033', '\u00AB', '\u00BB', '\u2039', '\u203A':
			return fail(CodeSmartPunctuation,
				fmt.Sprintf("Character %d is a typographic quote (U+%04X).", pos, r),
				"Commands need no quotes at all: no value contains spaces. Remove them and try again.")
		}
	}
	return nil
}

// normalizeASCII is step 6: NFKC, then nothing but printable ASCII survives.
// NFKC folds compatibility forms (fullwidth `ｇｅｔ`, NBSP) to the ASCII a
// person meant; what is left outside ASCII is invisible (zero-width, bidi
// overrides) or a look-alike (Cyrillic а), and is refused. TAB, LF and CR are
// kept because they are only ever token separators in step 7.
func normalizeASCII(t string) (string, *Error) {
	if !isASCII(t) {
		t = norm.NFKC.String(t)
	}
	pos := 0
	for _, r := range t {
		pos++
		if (r >= 0x20 && r <= 0x7e) || r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		return "", fail(CodeRune,
			fmt.Sprintf("Character %d (U+%04X) is not allowed: commands are plain ASCII.", pos, r),
			runeHint(r))
	}
	return t, nil
}

func runeHint(r rune) string {
	switch {
	case r == utf8.RuneError:
		return "The message is not valid text. Retype the command."
	case unicode.Is(unicode.Cf, r):
		return "It is an invisible formatting character (zero-width or text direction), usually carried along by copy-paste. Retype the command."
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return "It is a letter from outside ASCII that may look like an ASCII one. Retype the command with a plain keyboard layout."
	case unicode.IsControl(r):
		return "It is a control character. Retype the command."
	}
	return "Retype the command in plain ASCII."
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
