package parse

import (
	"fmt"
	"strings"

	"github.com/watchkeeper/watchkeeper/executors"
)

// Parse turns the text of one chat message into a typed command, or refuses
// it with an *Error. botUserID is our own Slack user ID (from auth.test); ""
// when the text did not come from a mention (slash commands, the console),
// in which case no mention is stripped and any mention is refused.
//
// The steps run in this order, each exactly once; see the package
// documentation for why each exists.
func Parse(text, botUserID string) (executors.Command, error) {
	c, err := parse(text, botUserID)
	if err != nil {
		return executors.Command{}, err // never a typed nil in an error
	}
	return c, nil
}

func parse(text, botUserID string) (executors.Command, *Error) {
	var none executors.Command
	if err := checkSize(text); err != nil { // 1
		return none, err
	}
	t, err := stripMention(text, botUserID) // 2
	if err != nil {
		return none, err
	}
	if t, err = unwrapLinks(t); err != nil { // 3
		return none, err
	}
	t = decodeEntities(t)                             // 4
	if err := refuseSmartPunctuation(t); err != nil { // 5
		return none, err
	}
	if t, err = normalizeASCII(t); err != nil { // 6
		return none, err
	}
	toks, err := tokenize(t) // 7
	if err != nil {
		return none, err
	}
	c, err := parseTokens(toks, false) // 8
	if err != nil {
		return none, err
	}
	// The canonical spelling can be longer than what was typed (`get` gains
	// `kubectl`, `-nfoo` becomes `-n foo`). Holding it to the same limits
	// keeps Parse(c.String()) == c true for every accepted command.
	if out := c.Tokens(); len(out) > MaxTokens || len(strings.Join(out, " ")) > MaxBytes {
		return none, fail(CodeTooLong, fmt.Sprintf("That command is too long once written out in full (limit %d words, %d bytes).", MaxTokens, MaxBytes),
			"Split it into several commands.")
	}
	return c, nil
}
