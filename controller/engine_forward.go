package controller

import "github.com/lxc-autoscale/lxc-autoscale/controller/engine"

// Forwarders: the names moved to package engine; run `go fix` to inline
// them at the call sites.

//go:fix inline
type (
	ModelOptions = engine.ModelOptions
	Sample       = engine.Sample
	Features     = engine.Features
	Stats        = engine.Stats
)

//go:fix inline
const NumModelFeatures = engine.NumModelFeatures
