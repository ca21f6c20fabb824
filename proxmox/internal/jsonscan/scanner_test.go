package jsonscan

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// Seeds shaped like the answers the scanner is for.
const (
	listing = `{"data":[{"vmid":101,"name":"web","status":"running","cpus":2,"cpu":0.25,"mem":536870912,"tags":"prod;web",` +
		`"pressurecpusome":1.5},{"vmid":"102","name":"db","status":"stopped","cpus":"1.5","template":1,"lock":null}]}`
	rrd = `{"data":[{"time":1700000000,"cpu":0.5,"maxcpu":1.5,"mem":8468508117.03333},{"time":1700000120}]}`
)

// scanAny decodes any JSON value with the scanner into encoding/json's
// generic shapes, to compare the two.
func scanAny(s *Scanner) any {
	switch s.Peek() {
	case '{':
		s.Object()
		m := map[string]any{}
		first := true
		for k, ok := s.Next(&first); ok; k, ok = s.Next(&first) {
			key := string(k)
			m[key] = scanAny(s)
		}
		return m
	case '[':
		s.Array()
		a := []any{}
		first := true
		for s.Elem(&first) {
			a = append(a, scanAny(s))
		}
		return a
	case '"':
		return s.Str()
	case 't', 'f':
		v, _ := s.Num()
		return v != 0
	case 'n':
		s.Skip()
		return nil
	default:
		v, ok := s.Num()
		if !ok {
			return math.NaN()
		}
		return v
	}
}

// FuzzScanner compares the scanner with encoding/json: same verdict on
// validity, same values for valid documents.
func FuzzScanner(f *testing.F) {
	for _, seed := range []string{listing, rrd, `"\ud83d\ude00\u00e9\ud800x"`, `[1e5,-0.5,123456789012345678901]`, `{"a":{"b":[null,true,false]}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := New(data)
		got := scanAny(s)
		err := s.End()
		valid := json.Valid(data)
		if s.depth > maxDepth || strings.Count(string(data), "[")+strings.Count(string(data), "{") > maxDepth {
			return // the scanner refuses nesting encoding/json allows
		}
		if (err == nil) != valid {
			t.Fatalf("scanner error = %v, json.Valid = %v for %q", err, valid, data)
		}
		if !valid {
			return
		}
		var want any
		if json.Unmarshal(data, &want) != nil {
			return // e.g. a number out of float64 range
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("scanner = %#v, encoding/json = %#v for %q", got, want, data)
		}
	})
}
