package capacity

import (
	"math"
	"time"
)

// maxProjection caps FullIn: "full in 3 years" is not a forecast.
const maxProjection = 365 * 24 * time.Hour

// fit is the least-squares slope of used bytes over time, in bytes per
// second; ok when there are at least minSamples samples spanning some
// time, and sig when the slope is also significant: a flat series with the
// same scatter would show it with probability below 1e-4 (Student's
// t-test). Steady growth passes by orders of magnitude; a flat but noisy
// volume should not project, because a wrong "full in 4h" costs more than
// a late right one. Times and sizes are taken relative to the first sample
// to keep float64 precision on multi-TiB volumes.
func fit(w []Sample, minSamples int) (slope float64, sig, ok bool) {
	n := len(w)
	if n < minSamples || n < 2 {
		return 0, false, false
	}
	// Seconds and bytes since the first sample, computed once: time.Time
	// arithmetic was most of the cost. A default window fits on the stack.
	var buf [2 * 32]float64
	xy := buf[:0]
	if 2*n > len(buf) {
		xy = make([]float64, 0, 2*n)
	}
	t0, y0 := w[0].At.UnixNano(), float64(w[0].UsedBytes)
	var sx, sy float64
	for i := range w {
		x, y := float64(w[i].At.UnixNano()-t0)/float64(time.Second), float64(w[i].UsedBytes)-y0
		xy = append(xy, x, y)
		sx += x
		sy += y
	}
	mx, my := sx/float64(n), sy/float64(n)
	var sxx, sxy float64
	for i := 0; i < len(xy); i += 2 {
		dx := xy[i] - mx
		sxx += dx * dx
		sxy += dx * (xy[i+1] - my)
	}
	if sxx == 0 {
		return 0, false, false
	}
	slope = sxy / sxx
	if slope == 0 {
		return 0, false, true
	}
	if n == 2 {
		return slope, true, true
	}
	var rss float64
	for i := 0; i < len(xy); i += 2 {
		r := xy[i+1] - my - slope*(xy[i]-mx)
		rss += r * r
	}
	se := math.Sqrt(rss / float64(n-2) / sxx)
	return slope, math.Abs(slope) >= tCritical(n-2)*se, true
}

// tCritical is the one-sided p = 1e-4 quantile of Student's t with dof
// degrees of freedom. Beyond the table the value for 30 stands; it is a
// little strict, which is the safe side.
func tCritical(dof int) float64 {
	return tQuantiles[min(max(dof, 1), len(tQuantiles))-1]
}

var tQuantiles = [...]float64{
	3183.1, 70.7, 22.2, 13.03, 9.68, 8.02, 7.06, 6.44, 6.01, 5.69,
	5.45, 5.26, 5.11, 4.99, 4.88, 4.79, 4.71, 4.65, 4.59, 4.54,
	4.49, 4.45, 4.42, 4.38, 4.35, 4.32, 4.30, 4.28, 4.25, 4.23,
}

// fullIn projects when s's volume reaches its capacity at slope bytes per
// second; 0 when that is not a meaningful forecast.
func fullIn(s Sample, slope, minPerHour float64) time.Duration {
	if slope*3600 < minPerHour || s.UsedBytes >= s.CapacityBytes {
		return 0
	}
	secs := float64(s.CapacityBytes-s.UsedBytes) / slope
	if secs > maxProjection.Seconds() {
		return 0
	}
	return time.Duration(secs * float64(time.Second))
}
