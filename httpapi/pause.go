package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// POST /api/v1/containers/{vmid}/pause and .../resume: autoscaling of one
// container, not the container itself.

type v1PauseResponse struct {
	VMID   int  `json:"vmid"`
	Paused bool `json:"paused"`
}

func (s *Server) v1Pause(c echo.Context) error { return s.v1SetPaused(c, true) }

func (s *Server) v1Resume(c echo.Context) error { return s.v1SetPaused(c, false) }

func (s *Server) v1SetPaused(c echo.Context, paused bool) error {
	vmid, _, bad, err := v1VMIDAndBody[v1Empty](c)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return invalid(bad)
	}
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	if err := s.opts.Operations.SetPaused(ctx, caller(c), vmid, paused); err != nil {
		return v1Failure(err, "")
	}
	return c.JSON(http.StatusOK, v1PauseResponse{VMID: vmid, Paused: paused})
}
