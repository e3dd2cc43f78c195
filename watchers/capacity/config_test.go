package capacity_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/watchers/capacity"
)

func TestThresholdsValidate(t *testing.T) {
	tests := []struct {
		name string
		th   capacity.Thresholds
		want string // error; empty when valid
	}{
		{name: "zero value takes the defaults", th: capacity.Thresholds{}},
		{name: "all set", th: capacity.Thresholds{WarningPercent: 70, CriticalPercent: 95, ClearPercent: 60}},
		{name: "critical at 100", th: capacity.Thresholds{WarningPercent: 95, CriticalPercent: 100, ClearPercent: 90}},
		{name: "warning above the default critical", th: capacity.Thresholds{WarningPercent: 95}, want: "warningPercent 95: must be below criticalPercent 90"},
		{name: "warning equal to critical", th: capacity.Thresholds{WarningPercent: 90, CriticalPercent: 90}, want: "warningPercent 90: must be below criticalPercent 90"},
		{name: "clear above the default warning", th: capacity.Thresholds{ClearPercent: 85}, want: "clearPercent 85: must be below warningPercent 80"},
		{name: "clear equal to warning", th: capacity.Thresholds{ClearPercent: 80}, want: "clearPercent 80: must be below warningPercent 80"},
		{name: "critical above 100", th: capacity.Thresholds{CriticalPercent: 101}, want: "criticalPercent 101: must be in (0, 100]"},
		{name: "negative", th: capacity.Thresholds{ClearPercent: -5}, want: "clearPercent -5: must be in (0, 100]"},
		{name: "NaN", th: capacity.Thresholds{WarningPercent: math.NaN()}, want: "warningPercent NaN: must be in (0, 100]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.th.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestThresholdsWithDefaults(t *testing.T) {
	require.Equal(t, capacity.Thresholds{WarningPercent: 80, CriticalPercent: 90, ClearPercent: 75}, capacity.Thresholds{}.WithDefaults())
	require.Equal(t, capacity.Thresholds{WarningPercent: 70, CriticalPercent: 90, ClearPercent: 60},
		capacity.Thresholds{WarningPercent: 70, ClearPercent: 60}.WithDefaults())
}

func TestConfigWithDefaults(t *testing.T) {
	require.Equal(t, capacity.Config{Window: 12, MinSamples: 3, Horizon: 6 * time.Hour, MinGrowthBytesPerHour: 1 << 20},
		capacity.Config{}.WithDefaults())
	require.Equal(t, capacity.Config{Window: 4, MinSpacing: time.Minute, MinSamples: 4, Horizon: time.Hour, MinGrowthBytesPerHour: 10},
		capacity.Config{Window: 4, MinSpacing: time.Minute, MinSamples: 9, Horizon: time.Hour, MinGrowthBytesPerHour: 10}.WithDefaults(), "MinSamples at most Window")
	require.Equal(t, 2, capacity.Config{MinSamples: 1}.WithDefaults().MinSamples, "a slope needs two samples")
	require.Equal(t, 2, capacity.Config{Window: 1}.WithDefaults().Window)
	require.Zero(t, capacity.Config{MinSpacing: -time.Second}.WithDefaults().MinSpacing)
}
