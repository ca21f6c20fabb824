//go:build !amd64 || purego

package forest

// There is no vector walk on this architecture.
var haveKernel, useKernel = false, false

func (f *Forest) prepareKernel() {}

func (f *Forest) pathSumKernel(x []float64) float64 { return f.pathSumGo(x) }

func (f *Forest) kernelBytes() int { return 0 }
