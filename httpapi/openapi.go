package httpapi

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDocument is the OpenAPI 3.0 document of /api/v1, served at
// GET /api/v1/openapi.json. It is written by hand; openapi_test.go checks
// that it is valid, that it lists exactly the routes the server has, and
// that real requests and answers of each route match it.
//
//go:embed openapi.json
var openAPIDocument []byte

func (s *Server) v1OpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDocument)
}
