package config

import (
	"errors"
	"fmt"
	"strings"
)

// Problem is one thing wrong with a config, tied to the key it concerns.
type Problem struct {
	// Key is the dotted path of the offending key, e.g. "slack.botToken".
	Key string
	// Message says what is wrong and, where possible, how to fix it.
	Message string
}

func (p Problem) String() string {
	if p.Key == "" {
		return p.Message
	}
	return p.Key + ": " + p.Message
}

// Problems is every problem found in a config. It is returned as an error so
// callers can print all of them at once instead of fixing one per restart.
type Problems []Problem

// ErrInvalid is wrapped by every Problems error so callers can test for it.
var ErrInvalid = errors.New("invalid configuration")

func (ps Problems) Error() string {
	lines := make([]string, 0, len(ps)+1)
	lines = append(lines, fmt.Sprintf("%s (%d problem%s):", ErrInvalid, len(ps), plural(len(ps))))
	for _, p := range ps {
		lines = append(lines, "  - "+p.String())
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (ps Problems) Unwrap() error { return ErrInvalid }

func (ps *Problems) add(key, format string, args ...any) {
	*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (ps Problems) has(key string) bool {
	for _, p := range ps {
		if p.Key == key {
			return true
		}
	}
	return false
}

// addNew appends the problems whose key has none yet.
func (ps *Problems) addNew(more Problems) {
	for _, p := range more {
		if !ps.has(p.Key) {
			*ps = append(*ps, p)
		}
	}
}
