//go:build !linux

package worker

import "github.com/scriptrun/scriptrun/engine"

func contain() (layers, missing []string) {
	return nil, []string{engine.LayerLandlock + ": Linux only", engine.LayerNoNewPrivs + ": Linux only", engine.LayerRlimits + ": Linux only"}
}

func lockdown() (layers, missing []string) {
	return nil, []string{engine.LayerSeccomp + ": Linux only"}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
