package capacity

import (
	"strconv"
	"time"
)

// FormatBytes writes b in binary units with one decimal: "512 B",
// "1.5 KiB", "46.0 GiB". The unit steps up rather than print "1024.0".
func FormatBytes(b uint64) string {
	const unit = 1024
	if b < unit {
		return strconv.FormatUint(b, 10) + " B"
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	v := float64(b) / float64(div)
	if v >= unit-0.05 && exp < len(binaryPrefixes)-1 {
		v /= unit
		exp++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + binaryPrefixes[exp] + "iB"
}

var binaryPrefixes = [...]string{"K", "M", "G", "T", "P", "E"}

// FormatDuration writes d as a rough figure for a forecast: "<1m", "~45m",
// "~3h" (up to two days), "~5d". Rounded to the nearest unit; a forecast
// claims no more precision than that.
func FormatDuration(d time.Duration) string {
	m := d.Round(time.Minute) / time.Minute
	switch {
	case m < 1:
		return "<1m"
	case m < 60:
		return "~" + strconv.FormatInt(int64(m), 10) + "m"
	}
	if h := d.Round(time.Hour) / time.Hour; h < 48 {
		return "~" + strconv.FormatInt(int64(h), 10) + "h"
	}
	return "~" + strconv.FormatInt(int64(d.Round(24*time.Hour)/(24*time.Hour)), 10) + "d"
}
