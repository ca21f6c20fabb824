package compat

import "testing"

func TestEndpointName(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v1/containers/:vmid": "api_v1_containers_vmid",
		"/":                        "index",
		"/readyz":                  "readyz",
		"/a//b/":                   "a_b",
	} {
		if got := endpointName(path); got != want {
			t.Errorf("endpointName(%q) = %q; want %q", path, got, want)
		}
	}
}
