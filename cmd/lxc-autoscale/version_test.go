package main

import (
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The registry every long-running command serves on /metrics carries the
// version and revision the release build stamps in.
func TestBuildInfoCarriesTheStampedVersion(t *testing.T) {
	defer func(v, r string) { version, revision = v, r }(version, revision)
	version, revision = "v1.4.2", "0123456789ab"
	want := `
# HELP lxc_autoscale_build_info Always 1; the labels say which build of lxc-autoscale this is.
# TYPE lxc_autoscale_build_info gauge
lxc_autoscale_build_info{goversion="` + runtime.Version() + `",revision="0123456789ab",version="v1.4.2"} 1
`
	if err := testutil.GatherAndCompare(newRegistry(), strings.NewReader(want), "lxc_autoscale_build_info"); err != nil {
		t.Error(err)
	}
	code, out, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "lxc-autoscale v1.4.2 (commit 0123456789ab, ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

// Without link-time values, a test binary (built from a checkout, without
// VCS stamping) still gets labels that are never empty.
func TestBuildInfoWithoutStamp(t *testing.T) {
	defer func(v, r string) { version, revision = v, r }(version, revision)
	version, revision = "", ""
	v, c := buildVersion()
	if v == "" || c == "" {
		t.Errorf("buildVersion() = %q, %q; want no empty label", v, c)
	}
}
