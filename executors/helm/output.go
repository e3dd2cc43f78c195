package helm

import (
	"unicode/utf8"

	"github.com/watchkeeper/watchkeeper/executors"
)

// capped returns text as a Result, cut at max bytes without splitting a
// UTF-8 sequence.
func capped(text []byte, max int64) executors.Result {
	if int64(len(text)) <= max {
		return executors.Result{Text: string(text)}
	}
	cut := text[:max]
	for i := 0; i < utf8.UTFMax-1 && len(cut) > 0; i++ {
		if r, size := utf8.DecodeLastRune(cut); r != utf8.RuneError || size != 1 {
			break
		}
		cut = cut[:len(cut)-1]
	}
	return executors.Result{Text: string(cut), Truncated: true}
}
