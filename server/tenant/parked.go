package tenant

import (
	"fmt"
	"os"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
)

// ListParked lists the timers a tenant's engine parked because a record
// was damaged (spec/storage.md), for an operator to mend: the server logs
// each as it parks it, and this reads them back with the server stopped
// (it holds the store).
func ListParked(data, name string) ([]engine.ParkedTimer, error) {
	dir := EngineDir(Dir(data, name))
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("tenant %s: no store in %s", name, Dir(data, name))
	}
	st, err := store.Open(dir, nil)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w (stop the server first: it holds the store)", name, err)
	}
	defer st.Close()
	return engine.ParkedTimers(st)
}
