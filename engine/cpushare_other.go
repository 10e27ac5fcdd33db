//go:build !linux

package engine

const demotable = false

func lockForever()   {}
func lowerPriority() {}
