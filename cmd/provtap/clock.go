package main

import (
	"fmt"
	"strings"
	"time"

	// --zone NAME works where the OS has no time zone database (Windows).
	_ "time/tzdata"

	"github.com/provtap/provtap/capture"
)

// clock is the time zone a command shows times in: local time by default,
// UTC with --utc, the offset the capture file was written with
// (--zone capture), or a named zone (--zone Europe/Berlin). Every view of a
// command uses the one it resolves to: the TUI, the headless lines, the
// text and markdown reports, the finding texts. A capture's own timestamps
// (HAR startedDateTime) keep RFC 3339 with their offset.
type clock struct {
	utc  bool
	zone string
}

const zoneUsage = "show times in `ZONE`: local, utc, capture (the offset the capture file was written with) or a name such as Europe/Berlin"

func addClockFlags(c *cli) *clock {
	k := &clock{}
	c.fs.BoolVar(&k.utc, "utc", false, "show times in UTC (--zone utc)")
	c.fs.StringVar(&k.zone, "zone", "local", zoneUsage)
	return k
}

// check validates the flags before anything is read.
func (k *clock) check() error {
	_, err := k.location(nil)
	return err
}

// location is the zone to show flows in; for "capture" it is the zone of
// the first flow (live traffic: local time).
func (k *clock) location(flows []*capture.Flow) (*time.Location, error) {
	z := strings.ToLower(k.zone)
	if k.utc {
		if z != "local" && z != "utc" {
			return nil, fmt.Errorf("--utc and --zone %s disagree: give one of them", k.zone)
		}
		return time.UTC, nil
	}
	switch z {
	case "local", "":
		return time.Local, nil
	case "utc", "z":
		return time.UTC, nil
	case "capture":
		if len(flows) > 0 && !flows[0].Start.IsZero() {
			return flows[0].Start.Location(), nil
		}
		return time.Local, nil
	}
	loc, err := time.LoadLocation(k.zone)
	if err != nil {
		return nil, fmt.Errorf("--zone %s: want local, utc, capture or a time zone name such as Europe/Berlin", k.zone)
	}
	return loc, nil
}

// fromCapture reports whether the zone is taken from the capture itself.
func (k *clock) fromCapture() bool { return !k.utc && strings.EqualFold(k.zone, "capture") }
