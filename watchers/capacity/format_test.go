package capacity_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/watchers/capacity"
)

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{
		{0, "0 B"},
		{512, "512 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{1536, "1.5 KiB"},
		{46 * gib, "46.0 GiB"},
		{50*gib - 1, "50.0 GiB"},
		{1024*mib - 1, "1.0 GiB"}, // not "1024.0 MiB"
		{4*gib + 100*mib, "4.1 GiB"},
		{3 << 40, "3.0 TiB"},
		{1<<64 - 1, "16.0 EiB"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, capacity.FormatBytes(tt.in), "%d", tt.in)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "<1m"},
		{29 * time.Second, "<1m"},
		{45 * time.Minute, "~45m"},
		{59*time.Minute + 40*time.Second, "~1h"},
		{3 * time.Hour, "~3h"},
		{2*time.Hour + 29*time.Minute, "~2h"},
		{2*time.Hour + 30*time.Minute, "~3h"},
		{20 * time.Hour, "~20h"},
		{47 * time.Hour, "~47h"},
		{48 * time.Hour, "~2d"},
		{100 * time.Hour, "~4d"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, capacity.FormatDuration(tt.in), "%s", tt.in)
	}
}
