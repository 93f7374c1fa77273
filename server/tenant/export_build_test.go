package tenant

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/version"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/stdlib"
)

// TestImportOtherBuild: an export names the build that wrote it, and an
// import by another build says so (its replay follows its own rules); by
// the same build, or from an export that names none, it does not.
func TestImportOtherBuild(t *testing.T) {
	export := func(build string) string {
		head := fmt.Sprintf(`{"stagecraft":"tenant","format":2,"tenant":"acme","build":%q}`, build)
		if build == "" {
			head = `{"stagecraft":"tenant","format":2,"tenant":"acme"}`
		}
		sum := sha256.Sum256([]byte(head + "\n"))
		return head + "\n" + fmt.Sprintf(`{"end":{"inputs":0,"sides":0,"sha256":%q}}`, hex.EncodeToString(sum[:])) + "\n"
	}
	for _, c := range []struct {
		from  string
		other bool
	}{{"stagecraft v1", true}, {version.String(), false}, {"", false}} {
		im, err := ImportFrom(t.TempDir(), "acme", strings.NewReader(export(c.from)), stdlib.Runtime(), engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if im.Build != c.from || im.OtherBuild() != c.other {
			t.Errorf("export by %q: %+v, other build %v", c.from, im, im.OtherBuild())
		}
	}
}
