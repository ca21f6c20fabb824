package importer

import (
	"errors"
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/config"
)

// A conv turns a value of an original file into the value lxc-autoscale
// writes for it, or says why it cannot.
type conv func(v any) (any, error)

// handler imports one key of an original file.
type handler func(st *state, src source)

// to imports a key as the lxc-autoscale key key through c; a value c
// refuses is listed as not imported, with c's reason.
func to(key string, c conv) handler {
	return func(st *state, src source) {
		v, err := c(src.value)
		if err != nil {
			st.skip(src, "%v", err)
			return
		}
		st.set(key, v, src)
	}
}

// because lists a key as not imported, with why.
func because(why string) handler {
	return func(st *state, src source) { st.skip(src, "%s", why) }
}

// number reads the numbers yaml.v3 decodes (int, uint64, float64) and the
// numbers the sibling writes as strings ("104").
func number(v any) (float64, bool) {
	switch v.(type) {
	case int, uint64, float64, string:
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(fmt.Sprint(v)), 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// percent is a percentage of the originals (75) as a ratio (0.75).
func percent(v any) (any, error) {
	f, ok := number(v)
	if !ok || f <= 0 || f > 100 {
		return nil, errors.New("not a percentage in (0, 100]")
	}
	return math.Round(f*100) / 10000, nil
}

// mib is a size in MB of the originals (which meant MiB, as pct does).
func mib(v any) (any, error) {
	f, ok := number(v)
	if !ok || f < 1 || f != math.Trunc(f) || f > 64<<20 {
		return nil, errors.New("not a whole number of MB in [1, 67108864]")
	}
	return (config.Size(f) * config.MiB).String(), nil
}

// count is a whole number in [lo, hi].
func count(lo, hi int) conv {
	return func(v any) (any, error) {
		f, ok := number(v)
		if !ok || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
			return nil, fmt.Errorf("not a whole number in [%d, %d]", lo, hi)
		}
		return int(f), nil
	}
}

// seconds is a number of seconds of the originals as a duration in
// [lo, hi], written as config writes durations ("10m", not "10m0s").
func seconds(lo, hi time.Duration) conv {
	return func(v any) (any, error) {
		f, ok := number(v)
		d := time.Duration(f * float64(time.Second))
		if !ok || d < lo || d > hi {
			return nil, fmt.Errorf("not a number of seconds in [%g, %g] as lxc-autoscale allows here", lo.Seconds(), hi.Seconds())
		}
		return duration(d), nil
	}
}

func duration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// level is a Python logging level as a zerolog one.
func level(v any) (any, error) {
	s, _ := v.(string)
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "DEBUG":
		return "debug", nil
	case "INFO":
		return "info", nil
	case "WARNING", "WARN":
		return "warn", nil
	case "ERROR", "CRITICAL":
		return "error", nil
	}
	return nil, errors.New("not a logging level (DEBUG, INFO, WARNING, ERROR or CRITICAL)")
}

// vmids is a list of container IDs, as strings ("101") or numbers.
func vmids(v any) (any, error) {
	list, ok := v.([]any)
	if !ok {
		if v == nil {
			return []int{}, nil
		}
		list = []any{v}
	}
	out := make([]int, 0, len(list))
	for _, item := range list {
		f, ok := number(item)
		if !ok || f != math.Trunc(f) || f < 100 || f > 999_999_999 {
			return nil, fmt.Errorf("%s is not a container ID in [100, 999999999]", flat(item))
		}
		out = append(out, int(f))
	}
	return out, nil
}

var hostPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)

// endpoint is a host name or address of the originals as an API endpoint
// on PVE's port.
func endpoint(v any) (any, error) {
	s, _ := v.(string)
	s = strings.TrimSpace(s)
	if ip := net.ParseIP(s); ip == nil && !hostPattern.MatchString(s) {
		return nil, errors.New("not a host name or address")
	}
	return []string{"https://" + net.JoinHostPort(s, "8006")}, nil
}
