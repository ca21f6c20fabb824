package httpapi

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// DELETE /api/v1/containers/{vmid}.

func (s *Server) v1DeleteContainer(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	q := c.QueryParams()
	switch confirm := q.Get("confirm"); {
	case confirm == "":
		bad["confirm"] = "required: repeat the container's vmid (?confirm=<vmid>) to delete it"
	case bad["vmid"] == "" && confirm != strconv.Itoa(vmid):
		bad["confirm"] = fmt.Sprintf("must equal the vmid %d, got %q", vmid, v1Clip(confirm))
	}
	purge := false
	if p, ok := q["purge"]; ok {
		b, err := strconv.ParseBool(p[0])
		if err != nil || len(p) > 1 {
			bad["purge"] = fmt.Sprintf("must be true or false, got %q", v1Clip(strings.Join(p, ",")))
		}
		purge = b
	}
	if err := v1DecodeBody(c, &v1Empty{}, bad); err != nil {
		return err
	}
	return s.v1StartTask(c, bad, "", func(ctx context.Context, who manual.Caller) (manual.TaskInfo, error) {
		return s.opts.Operations.Delete(ctx, who, vmid, purge)
	})
}
