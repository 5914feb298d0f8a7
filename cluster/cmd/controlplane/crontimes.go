package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/robfig/cron/v3"
)

// cronTimes reads {"schedule": S, "timeZone": Z, "from": T, "until": T} on stdin and writes the
// start times the CronJob controller computes for that schedule between the two instants, as
// RFC 3339 UTC strings: the schedule parsed as cronjob_controllerv2.go parses it
// (cron.ParseStandard of "TZ=<timeZone> <schedule>"), and each start the next one after the
// last, as mostRecentScheduleTime walks from status.lastScheduleTime with schedule.Next.
func cronTimes() int {
	var in struct {
		Schedule string    `json:"schedule"`
		TimeZone string    `json:"timeZone"`
		From     time.Time `json:"from"`
		Until    time.Time `json:"until"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "cron-times: reading stdin:", err)
		return 2
	}
	schedule, err := cron.ParseStandard(fmt.Sprintf("TZ=%s %s", in.TimeZone, in.Schedule))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cron-times:", err)
		return 1
	}
	times := []string{}
	for t := schedule.Next(in.From); !t.IsZero() && t.Before(in.Until); t = schedule.Next(t) {
		times = append(times, t.UTC().Format(time.RFC3339))
	}
	if err := json.NewEncoder(os.Stdout).Encode(times); err != nil {
		return 1
	}
	return 0
}
