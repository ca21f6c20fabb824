package httpapi

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"
)

// singleQuery refuses a query that repeats a parameter, on every route:
// handlers read the first value, so `?confirm=100&confirm=101` would be
// checked on one value and could be acted on by another reader.
func (s *Server) singleQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.URL.RawQuery == "" {
			return next(c)
		}
		fields := map[string]string{}
		for name, values := range r.URL.Query() {
			if len(values) > 1 {
				fields[v1Clip(name)] = fmt.Sprintf("given %d times; give it once", len(values))
			}
		}
		if len(fields) == 0 {
			return next(c)
		}
		names := make([]string, 0, len(fields))
		for n := range fields {
			names = append(names, n)
		}
		sort.Strings(names)
		if s.compatPaths[c.Path()] {
			problems := make([]string, len(names))
			for i, n := range names {
				problems[i] = n + " is " + fields[n]
			}
			return c.JSON(http.StatusBadRequest, compatErrorEnvelope{Status: "error", Message: "Validation failed", Errors: problems})
		}
		return &Error{Status: http.StatusBadRequest, Message: "repeated query parameter " + names[0], Fields: fields}
	}
}
