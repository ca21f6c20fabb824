package config

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
)

// valueError is a decoding problem whose text this package wrote and knows
// to hold no configured value.
type valueError struct{ problem string }

func (e *valueError) Error() string { return e.problem }

func invalid(problem string) error { return &valueError{problem: problem} }

// decode turns the merged key tree into cfg. Its problems name keys and
// expected forms, never the values: mapstructure's own messages quote values,
// so the hook checks every type first and any message it did not write is
// replaced by a generic one.
func decode(raw map[string]any, cfg *Config) []error {
	decoder, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook: decodeHook,
		Result:     cfg,
		TagName:    "koanf",
	})
	if err != nil {
		return []error{err} // a wiring bug, never input
	}
	if err := decoder.Decode(raw); err != nil {
		return decodeProblems(err, nil)
	}
	return nil
}

func decodeProblems(err error, out []error) []error {
	switch e := err.(type) {
	case *mapstructure.DecodeError:
		problem := "invalid value"
		var ve *valueError
		if errors.As(e.Unwrap(), &ve) {
			problem = ve.problem
		}
		return append(out, &FieldError{Key: e.Name(), Problem: problem})
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			out = decodeProblems(inner, out)
		}
		return out
	case interface{ Unwrap() error }:
		return decodeProblems(e.Unwrap(), out)
	}
	return append(out, &FieldError{Key: "(config)", Problem: "invalid value"})
}

// decodeHook converts each value to its field's type, or rejects it with a
// message that names the expected form.
func decodeHook(from, to reflect.Value) (any, error) {
	if !from.IsValid() {
		return nil, nil
	}
	data := from.Interface()
	target := to.Type()
	if from.Type() == target {
		return data, nil
	}
	switch target {
	case secretType:
		if s, ok := data.(string); ok {
			return NewSecret(s), nil
		}
		return nil, invalid(`must be a string (quote it: "…")`)
	case durationType:
		return toDuration(data)
	case sizeType:
		return toSize(data)
	}
	switch target.Kind() {
	case reflect.String:
		if s, ok := data.(string); ok {
			return s, nil
		}
		return nil, invalid("must be a string")
	case reflect.Bool:
		return toBool(data)
	case reflect.Int, reflect.Int64:
		return toInt(data)
	case reflect.Float64:
		return toFloat(data)
	case reflect.Slice:
		if from.Kind() == reflect.Slice {
			return data, nil
		}
		return nil, invalid("must be a list")
	case reflect.Struct:
		if from.Kind() == reflect.Map {
			return data, nil
		}
		return nil, invalid("must be a mapping of keys")
	}
	return data, nil
}

func toDuration(data any) (any, error) {
	const want = "must be a duration with a unit, like 10s, 5m or 1h30m"
	switch v := data.(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return nil, invalid(want)
		}
		return d, nil
	case int, int64, uint64, float64:
		// Zero needs no unit; any other number is ambiguous.
		if f, ok := number(v); ok && f == 0 {
			return time.Duration(0), nil
		}
	}
	return nil, invalid(want)
}

func toSize(data any) (any, error) {
	switch v := data.(type) {
	case string:
		s, err := ParseSize(v)
		if err != nil {
			return nil, invalid(err.Error())
		}
		return s, nil
	case int, int64, uint64, float64:
		f, _ := number(v)
		s, err := sizeFromFloat(f, MiB)
		if err != nil {
			return nil, invalid(err.Error())
		}
		return s, nil
	}
	return nil, invalid(errSizeSyntax.Error())
}

func toBool(data any) (any, error) {
	switch v := data.(type) {
	case bool:
		return v, nil
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
			return b, nil
		}
	}
	return nil, invalid("must be true or false")
}

func toInt(data any) (any, error) {
	const want = "must be an integer"
	switch v := data.(type) {
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			return n, nil
		}
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), nil
		}
	case float64:
		// 2^63 is the first float64 past the int64 range.
		if v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63 {
			return int64(v), nil
		}
	}
	return nil, invalid(want)
}

func toFloat(data any) (any, error) {
	if s, ok := data.(string); ok {
		s = strings.TrimSpace(s)
		percent := strings.HasSuffix(s, "%")
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
		if err != nil {
			return nil, invalid("must be a number or a percentage like 75%")
		}
		if percent {
			f /= 100
		}
		return f, nil
	}
	if f, ok := number(data); ok {
		return f, nil
	}
	return nil, invalid("must be a number or a percentage like 75%")
}

// number widens a number of any Go integer or float type: YAML and flags
// produce several (int, int64, uint64, float64 and more).
func number(data any) (float64, bool) {
	v := reflect.ValueOf(data)
	switch {
	case v.CanInt():
		return float64(v.Int()), true
	case v.CanUint():
		return float64(v.Uint()), true
	case v.CanFloat():
		return v.Float(), true
	}
	return 0, false
}
