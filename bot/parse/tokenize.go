package parse

import "strings"

// tokenize is step 7, the only tokenizer: everything after it works on its
// tokens, so no later step can disagree about where a word ends.
//
// There is no quoting. No value in the grammar needs a space, and every
// quoting rule is a place for a second parser to read the text differently
// (kubectl's own shell-less argument handling, Slack's, ours), so a quote is
// refused. The one wrapper allowed is a single code span around the whole
// command (`get pods` or ```get pods```): it is how people protect a command
// from smart punctuation and auto-linking, and unwrapping it is unambiguous.
func tokenize(t string) ([]string, *Error) {
	t = strings.Trim(t, " \t\r\n")
	switch {
	case len(t) >= 6 && strings.HasPrefix(t, "```") && strings.HasSuffix(t, "```"):
		t = t[3 : len(t)-3]
	case len(t) >= 2 && t[0] == '`' && t[len(t)-1] == '`':
		t = t[1 : len(t)-1]
	}
	if i := strings.IndexAny(t, "`'\""); i >= 0 {
		if t[i] == '`' {
			return nil, fail(CodeQuote, "Unexpected backtick in the command.",
				"Put the whole command in one code span, or send it without one.")
		}
		return nil, fail(CodeQuote, "Quotes aren't supported in commands.",
			"No value in a command contains spaces, so no quotes are needed. Remove them and try again.")
	}
	toks := strings.FieldsFunc(t, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	if len(toks) == 0 {
		return nil, fail(CodeEmpty, "There is no command in that message.", "Try `help`.")
	}
	// Step 1 already bounds this; kept as a cheap guard so the limit holds
	// even if a future normalization could split words.
	if len(toks) > MaxTokens {
		return nil, fail(CodeTooLong,
			"That command has too many words.", "Split it into several commands.")
	}
	return toks, nil
}
