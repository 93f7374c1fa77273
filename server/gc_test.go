package server

import "testing"

func TestGCSettings(t *testing.T) {
	const gib = 1 << 30
	env := func(vars ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for _, v := range vars {
				if v == k {
					return "set", true
				}
			}
			return "", false
		}
	}
	for _, c := range []struct {
		name    string
		cfg     Config
		env     []string
		mem     int64
		percent int
		limit   int64
	}{
		{"defaults", Config{}, nil, 8 * gib, DefaultGCPercent, 2 * gib},
		{"memory unknown", Config{}, nil, 0, unlimitedGCPercent, 0},
		{"no limit", Config{MemoryLimit: -1}, nil, 8 * gib, unlimitedGCPercent, 0},
		{"a limit of one's own", Config{MemoryLimit: gib}, nil, 0, DefaultGCPercent, gib},
		{"a percent of one's own", Config{GCPercent: 200}, nil, 8 * gib, 200, 2 * gib},
		{"Go's percent", Config{GCPercent: -1}, nil, 8 * gib, 0, 2 * gib},
		{"GOGC", Config{GCPercent: 200}, []string{"GOGC"}, 8 * gib, 0, 2 * gib},
		{"GOMEMLIMIT", Config{MemoryLimit: gib}, []string{"GOMEMLIMIT"}, 8 * gib, DefaultGCPercent, 0},
		{"GOGC and GOMEMLIMIT", Config{}, []string{"GOGC", "GOMEMLIMIT"}, 8 * gib, 0, 0},
	} {
		percent, limit := gcSettings(c.cfg, env(c.env...), c.mem)
		if percent != c.percent || limit != c.limit {
			t.Errorf("%s: GOGC %d, limit %d; want %d, %d", c.name, percent, limit, c.percent, c.limit)
		}
	}
}

func TestMemory(t *testing.T) {
	if got := memTotal([]byte("MemFree:  100 kB\nMemTotal:       24684332 kB\n")); got != 24684332<<10 {
		t.Errorf("memTotal = %d", got)
	}
	if got := memTotal([]byte("nothing")); got != 0 {
		t.Errorf("memTotal of nothing = %d", got)
	}
	if got := cgroupPath([]byte("0::/system.slice/stagecraft.service\n")); got != "/system.slice/stagecraft.service" {
		t.Errorf("cgroupPath = %q", got)
	}
	if got := cgroupPath([]byte("12:memory:/docker/abc\n")); got != "" {
		t.Errorf("cgroupPath of cgroup v1 = %q", got)
	}
	for in, want := range map[string]int64{"max\n": 0, "536870912\n": 512 << 20, "": 0} {
		if got := cgroupMax([]byte(in)); got != want {
			t.Errorf("cgroupMax(%q) = %d, want %d", in, got, want)
		}
	}
	if m := memory(); m < 0 {
		t.Errorf("memory() = %d", m)
	}
}
