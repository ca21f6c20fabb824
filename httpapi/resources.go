package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// A container's resources: PUT .../resources (cores, memory, swap, with
// If-Match on the config digest) and POST .../disks/{disk}/grow.

type v1ResourcesRequest struct {
	Cores    *int `json:"cores"`
	MemoryMB *int `json:"memory_mb"`
	SwapMB   *int `json:"swap_mb"`
}

type v1ResourcesResponse struct {
	VMID   int    `json:"vmid"`
	Digest string `json:"digest"`
}

func (s *Server) v1SetResources(c echo.Context) error {
	vmid, req, bad, err := v1VMIDAndBody[v1ResourcesRequest](c)
	if err != nil {
		return err
	}
	if _, typed := bad["cores"]; !typed {
		v1CheckRange(bad, "cores", req.Cores, 1, manual.MaxCores)
	}
	if _, typed := bad["memory_mb"]; !typed {
		v1CheckRange(bad, "memory_mb", req.MemoryMB, manual.MinMemoryMiB, manual.MaxMemoryMiB)
	}
	if _, typed := bad["swap_mb"]; !typed {
		v1CheckRange(bad, "swap_mb", req.SwapMB, 0, manual.MaxSwapMiB)
	}
	if len(bad) == 0 && req.Cores == nil && req.MemoryMB == nil && req.SwapMB == nil {
		bad["body"] = "set at least one of cores, memory_mb and swap_mb"
	}
	digest, ok := v1IfMatch(c.Request().Header.Get("If-Match"))
	if !ok {
		bad["If-Match"] = "must be the config digest (hex) as the ETag of GET /api/v1/containers/{vmid} gives it, or *"
	}
	if len(bad) > 0 {
		return invalid(bad)
	}
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	newDigest, err := s.opts.Operations.SetResources(ctx, caller(c), vmid, manual.ResourceRequest{
		Cores: req.Cores, MemoryMiB: req.MemoryMB, SwapMiB: req.SwapMB, Digest: digest,
	})
	if err != nil {
		return v1Failure(err, "")
	}
	if newDigest != "" {
		c.Response().Header().Set("ETag", strconv.Quote(newDigest))
	}
	return c.JSON(http.StatusOK, v1ResourcesResponse{VMID: vmid, Digest: newDigest})
}

// v1IfMatch reads an If-Match header: "" or * (no condition), or one
// (possibly quoted, possibly weak) digest.
func v1IfMatch(h string) (digest string, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return "", true
	}
	h = strings.TrimPrefix(h, "W/")
	if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' {
		h = h[1 : len(h)-1]
	}
	if !v1DigestRe.MatchString(h) {
		return "", false
	}
	return strings.ToLower(h), true
}

type v1GrowRequest struct {
	GrowGB    *int64 `json:"grow_gb"`
	GrowBytes *int64 `json:"grow_bytes"`
}

func (s *Server) v1GrowDisk(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	disk := c.Param("disk")
	if !manual.ValidDiskName(disk) {
		bad["disk"] = fmt.Sprintf("must be rootfs or mp0 to mp255, got %q", v1Clip(disk))
	}
	var req v1GrowRequest
	if err := v1DecodeBody(c, &req, bad); err != nil {
		return err
	}
	_, badGB := bad["grow_gb"]
	_, badBytes := bad["grow_bytes"]
	var grow uint64
	switch {
	case badGB || badBytes:
	case req.GrowGB != nil && req.GrowBytes != nil:
		bad["grow_gb"] = "give grow_gb or grow_bytes, not both"
		bad["grow_bytes"] = "give grow_gb or grow_bytes, not both"
	case req.GrowGB != nil:
		if *req.GrowGB < 1 || *req.GrowGB > maxGrowGiB {
			bad["grow_gb"] = fmt.Sprintf("must be 1..%d (GiB), got %d", maxGrowGiB, *req.GrowGB)
		} else {
			grow = uint64(*req.GrowGB) << 30
		}
	case req.GrowBytes != nil:
		if *req.GrowBytes < manual.MinGrowBytes || *req.GrowBytes > manual.MaxGrowBytes {
			bad["grow_bytes"] = fmt.Sprintf("must be %d..%d, got %d", manual.MinGrowBytes, int64(manual.MaxGrowBytes), *req.GrowBytes)
		} else {
			grow = uint64(*req.GrowBytes)
		}
	default:
		bad["grow_gb"] = "give grow_gb (GiB) or grow_bytes"
	}
	return s.v1StartTask(c, bad, "", func(ctx context.Context, who manual.Caller) (manual.TaskInfo, error) {
		return s.opts.Operations.GrowDisk(ctx, who, vmid, disk, grow)
	})
}
