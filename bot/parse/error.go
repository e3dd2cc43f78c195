package parse

import "strings"

// Code classifies a refusal so callers can branch without matching text.
type Code string

// The refusal codes, roughly in pipeline order.
const (
	CodeTooLong          Code = "too_long"          // step 1, or the canonical form is too long
	CodeMention          Code = "mention"           // step 2: another mention or a special (<!here>)
	CodeLink             Code = "link"              // step 3: a link we cannot unwrap safely
	CodeMarkup           Code = "markup"            // step 3: any other Slack markup, stray < or >
	CodeSmartPunctuation Code = "smart_punctuation" // step 5
	CodeRune             Code = "rune"              // step 6: not printable ASCII after NFKC
	CodeQuote            Code = "quote"             // step 7: quotes or a stray backtick
	CodeEmpty            Code = "empty"             // nothing left to run; callers may show help
	CodeVerb             Code = "verb"              // unknown, forbidden or misspelled verb
	CodeFlag             Code = "flag"              // a flag that is not allow-listed for the verb
	CodeFlagValue        Code = "flag_value"        // an allow-listed flag with a bad or missing value
	CodeArgument         Code = "argument"          // a missing, extra or invalid positional argument
)

// Error is a refusal with short, polite text meant for the person who typed
// the command. Msg and Hint are printable ASCII and quote at most
// maxEcho characters of the input, so a reply can never repeat a long or
// hostile message, an invisible rune or a Slack control sequence.
type Error struct {
	Code Code
	// Msg says what is wrong ("Unknown flag `--server`.").
	Msg string
	// Hint says what to do instead; may be empty.
	Hint string
}

// Error implements error for logs; the chat formatter uses Msg and Hint.
func (e *Error) Error() string { return "parse " + string(e.Code) + ": " + e.Msg }

// maxEcho bounds how much of the input any message repeats.
const maxEcho = 32

// echo makes s safe to quote in a reply: printable ASCII only, no backtick
// (it would end the code span), no < > & (Slack control characters), at most
// maxEcho characters.
func echo(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxEcho {
			// Replace the tail so the total stays within maxEcho.
			out := []rune(b.String())
			return string(out[:maxEcho-3]) + "..."
		}
		switch {
		case r < 0x20 || r > 0x7e, r == '`', r == '<', r == '>', r == '&':
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}

func fail(code Code, msg, hint string) *Error { return &Error{Code: code, Msg: msg, Hint: hint} }
