package lsp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNeovim runs a real editor against the server: Debian's neovim,
// headless, driven by testdata/nvim/drive.lua. It opens a broken file of
// a workspace, reads the diagnostics the editor received, then asks for a
// hover and a completion in the middle of a half-typed line. It skips
// when nvim is missing, unless STAGECRAFT_NVIM_REQUIRED is set (CI).
func TestNeovim(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		if os.Getenv("STAGECRAFT_NVIM_REQUIRED") != "" {
			t.Fatal("nvim is required (STAGECRAFT_NVIM_REQUIRED is set) but not found: apt-get install neovim")
		}
		t.Skip("nvim not installed")
	}
	if testing.Short() {
		t.Skip("builds the CLI and starts an editor")
	}
	dir := t.TempDir()
	server := filepath.Join(dir, "stagecraft")
	build := exec.Command("go", "build", "-o", server, "github.com/stagecraft/stagecraft/cmd/stagecraft")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ws := filepath.Join(dir, "ws")
	write := func(name, text string) {
		if err := os.MkdirAll(ws, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("workspace.rules", "pipeline deal Sales {\n    stage New\n    stage Delivery\n}\n\nprovider smsapi \"SMSAPI\"\n")
	// line 0 has a typo; line 1 is being typed: `deal.` waits for a field.
	write("broken.rules", "on stage Delivery: send sms text \"Hi {contact.nmae}\"\non stage New: send sms text \"{deal.\n")
	out := filepath.Join(dir, "out.txt")
	cmd := exec.Command(nvim, "--headless", "--clean", "-n", "-c", "luafile "+filepath.Join("testdata", "nvim", "drive.lua"))
	cmd.Env = append(os.Environ(), "OUT="+out, "SERVER="+server, "STDLIB="+filepath.Join(dir, "stdlib"), "ROOT="+ws,
		"FILE="+filepath.Join(ws, "broken.rules"),
		"HOVER_LINE=0", "HOVER_CHAR=20", // send sms
		"COMPLETE_LINE=1", "COMPLETE_CHAR=36") // after "{deal."
	cmd.Dir, _ = os.Getwd()
	done := make(chan error, 1)
	var combined strings.Builder
	cmd.Stdout, cmd.Stderr = &combined, &combined
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("nvim did not finish within 60s\n%s", combined.String())
	}
	b, rerr := os.ReadFile(out)
	if err != nil || rerr != nil {
		t.Fatalf("nvim: %v %v\noutput:\n%s\nresults:\n%s", err, rerr, combined.String(), b)
	}
	got := string(b)
	for _, want := range []string{
		`diagnostic 0:46 E101 unknown field "nmae" of contact (did you mean "name"?)`,
		"hover ```stagecraft send sms ```",
		"completion id,title,",
		",amount,",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the editor's results lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "error:") {
		t.Errorf("errors in the editor:\n%s", got)
	}
}
