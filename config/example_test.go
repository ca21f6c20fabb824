package config_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/spf13/pflag"
)

func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "lxca")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "config.yaml")
	_ = os.WriteFile(file, []byte(`
proxmox:
  endpoints: ["https://pve1:8006/api2/json"]
  token_id: "autoscale@pve!controller"
scaling:
  mode: enforce
  memory: {max: 16GiB}
`), 0o600)

	flags := pflag.NewFlagSet("run", pflag.ContinueOnError)
	flags.String("config", "", "configuration file")
	config.RegisterFlags(flags)
	_ = flags.Parse([]string{"--config", file, "--mode", "dry-run"})

	cfg, err := config.Load(config.LoadOptions{
		File:    file,
		Environ: []string{"LXCA_PROXMOX_TOKEN_SECRET=00000000-0000-0000-0000-000000000000"},
		Flags:   flags,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Proxmox.Endpoints[0], cfg.Proxmox.TokenSecret)
	fmt.Println(cfg.Scaling.Mode, cfg.Scaling.Memory.Max, cfg.Scaling.Memory.Max.MiB(), cfg.Monitor.Interval)
	// Output:
	// https://pve1:8006 [redacted]
	// dry-run 16GiB 16384 10s
}

func ExampleConfig_Validate() {
	cfg := config.Default()
	cfg.Proxmox.Endpoints = []string{"https://pve1:8006"}
	cfg.Proxmox.TokenID = "autoscale@pve!controller"
	cfg.Proxmox.TokenSecret = config.NewSecret("00000000-0000-0000-0000-000000000000")
	cfg.Scaling.CPU.UpThreshold = 1.5
	cfg.Scaling.CPU.Min = 12
	fmt.Println(cfg.Validate())
	// Output:
	// scaling.cpu.up_threshold: 1.5 is out of range (0, 1]
	// scaling.cpu.min: 12 exceeds scaling.cpu.max (8)
}
