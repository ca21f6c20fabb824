package answer

import (
	"bufio"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/jsonw"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

// Answer is what a handler answers: data for 200, or an error.
type Answer struct {
	Status int
	Reason string        // first line of the error message
	Errors schema.Errors // for 400
	Data   []byte        // JSON of data, nil = null
	Extra  []byte        // additional top-level members, e.g. `"total":3`
	Empty  bool          // no body at all (401s from the auth handler, 595)
	Later  func() Answer // work to finish outside the state lock
}

// OK is a 200 with data, the JSON of the data member (nil is null).
func OK(data []byte) Answer { return Answer{Status: http.StatusOK, Data: data} }

// Fail is an error answer; the first line of msg becomes the reason phrase.
func Fail(status int, msg string) Answer { return Answer{Status: status, Reason: msg} }

// FailParams is PVE::JSONSchema's 400 with a message per parameter.
func FailParams(errs schema.Errors) Answer {
	return Answer{Status: http.StatusBadRequest, Reason: "Parameter verification failed.", Errors: errs}
}

// Internal is a plain `die` in a PVE handler: HTTP 500 with the message as reason.
func Internal(format string, args ...any) Answer {
	return Fail(http.StatusInternalServerError, sprintf(format, args...))
}

// sprintf is fmt.Sprintf, except that a message without arguments is taken
// as it is, so a "%" in it stays.
func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

const dataPrefix = `{"data":`

// body is the body of an error response.
func body(resp Answer) []byte {
	if resp.Empty {
		return nil
	}
	b := make([]byte, 0, 64+len(resp.Data))
	b = append(b, dataPrefix...)
	if resp.Data == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, resp.Data...)
	}
	if len(resp.Extra) > 0 {
		b = append(b, ',')
		b = append(b, resp.Extra...)
	}
	if resp.Status != http.StatusOK {
		if len(resp.Errors) > 0 {
			j := jsonw.Writer{}
			j.BeginObject()
			for _, k := range slices.Sorted(maps.Keys(resp.Errors)) {
				j.KeyStr(k, resp.Errors[k])
			}
			j.EndObject()
			b = append(b, `,"errors":`...)
			b = append(b, j.Bytes()...)
		}
		b = append(b, `,"message":`...)
		b = jsonw.AppendString(b, resp.Reason+"\n")
	}
	return append(b, '}')
}

// Write writes resp. PVE puts the error message into the HTTP reason
// phrase, which net/http cannot do, so errors hijack the connection and write
// the status line themselves (and close the connection afterwards).
func Write(w http.ResponseWriter, resp Answer) {
	if resp.Status == http.StatusOK {
		// Written in pieces: a listing's data is large and need not be copied.
		data := resp.Data
		if data == nil {
			data = []byte("null")
		}
		tail := []byte("}")
		if len(resp.Extra) > 0 {
			tail = append(append([]byte(","), resp.Extra...), '}')
		}
		h := w.Header()
		h.Set("Content-Type", "application/json;charset=UTF-8")
		h.Set("Cache-Control", "max-age=0")
		h.Set("Pragma", "no-cache")
		h.Set("Server", "pve-api-daemon/3.0")
		h.Set("Content-Length", strconv.Itoa(len(dataPrefix)+len(data)+len(tail)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(dataPrefix))
		_, _ = w.Write(data)
		_, _ = w.Write(tail)
		return
	}
	body := body(resp)
	reason := strings.TrimSpace(strings.SplitN(resp.Reason, "\n", 2)[0])
	reason = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, reason)
	if hj, ok := w.(http.Hijacker); ok {
		conn, buf, err := hj.Hijack()
		if err == nil {
			defer conn.Close()
			writeRaw(buf.Writer, resp.Status, reason, body)
			_ = buf.Flush()
			return
		}
	}
	// Not hijackable (httptest.ResponseRecorder, HTTP/2): the reason is lost.
	if len(body) > 0 {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(body)
}

func writeRaw(w *bufio.Writer, status int, reason string, body []byte) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", status, reason)
	fmt.Fprintf(w, "Date: %s\r\n", time.Now().UTC().Format(http.TimeFormat))
	w.WriteString("Server: pve-api-daemon/3.0\r\nCache-Control: max-age=0\r\nPragma: no-cache\r\nConnection: close\r\n")
	if len(body) > 0 {
		w.WriteString("Content-Type: application/json;charset=UTF-8\r\n")
	}
	fmt.Fprintf(w, "Content-Length: %d\r\n\r\n", len(body))
	w.Write(body)
}
