package config

import (
	"os"
	"testing"
)

// BenchmarkLoad loads example.yaml with a secret from the environment, as
// start-up and every SIGHUP reload do.
func BenchmarkLoad(b *testing.B) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	opts := LoadOptions{File: "example.yaml", Environ: []string{"LXCA_PROXMOX_TOKEN_SECRET=x"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := load(opts, data, readSecretFile); err != nil {
			b.Fatal(err)
		}
	}
}
