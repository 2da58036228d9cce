//go:build !unix

package har_test

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
