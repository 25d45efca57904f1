package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The walkthroughs in docs/ run here from their own code blocks, so a doc
// cannot drift from what regsync does. A fence's info string says what a
// block is (GitHub renders only its first word, the language):
//
//	```yaml file=registrations.yaml   written to the working directory
//	```sh                             run with bash -euo pipefail; must exit 0
//	```sh exit=2                      run; must exit 2
//	```sh norun                       shown only (a real tenant, a long wait)
//	```text expect                    each line must appear in the output of
//	                                  the block run last, in order; a <word>
//	                                  in angle brackets stands for any text
//	                                  without spaces (an id, a date)
//
// Other blocks are prose. Every block runs in one temporary directory, with
// the regsync under test first on PATH and a HOME of its own, so `--local`
// keeps its emulated tenant there.
var walkthroughs = []string{"fhir.md", "dicom.md"}

func TestWalkthroughs(t *testing.T) {
	for _, name := range walkthroughs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("..", "docs", name)
			blocks, err := readBlocks(path)
			if err != nil {
				t.Fatal(err)
			}
			if runs := countRuns(blocks); runs < 3 {
				t.Fatalf("%s has %d runnable sh blocks; a walkthrough runs at least validate, plan and apply", path, runs)
			}
			if err := runWalkthrough(t.TempDir(), filepath.Dir(bin), blocks); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestWalkthroughRunnerFails proves the runner fails a doc that is wrong: a
// block that exits otherwise than declared, and an expected line that is
// not in the output.
func TestWalkthroughRunnerFails(t *testing.T) {
	cases := map[string]string{
		"exit code":     "```sh\nexit 3\n```\n",
		"declared exit": "```sh exit=2\ntrue\n```\n",
		"missing line":  "```sh\necho one; echo two\n```\n```text expect\none\nthree\n```\n",
		"out of order":  "```sh\necho one; echo two\n```\n```text expect\ntwo\none\n```\n",
		"expect first":  "```text expect\nanything\n```\n",
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "doc.md")
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			blocks, err := readBlocks(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := runWalkthrough(t.TempDir(), filepath.Dir(bin), blocks); err == nil {
				t.Fatalf("a wrong doc passed:\n%s", doc)
			}
		})
	}
	// And the right one passes, placeholders included.
	ok := "```yaml file=a.txt\nhello\n```\n```sh\ncat a.txt; echo id=0b1c-22\n```\n```text expect\nhello\nid=<id>\n```\n"
	path := filepath.Join(t.TempDir(), "doc.md")
	if err := os.WriteFile(path, []byte(ok), 0o644); err != nil {
		t.Fatal(err)
	}
	blocks, err := readBlocks(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := runWalkthrough(t.TempDir(), filepath.Dir(bin), blocks); err != nil {
		t.Fatal(err)
	}
}

// block is one fenced code block of a walkthrough.
type block struct {
	line int      // of the opening fence
	info []string // the info string's words: language first
	body string
}

func (b block) has(word string) bool {
	for _, w := range b.info[min(1, len(b.info)):] {
		if w == word {
			return true
		}
	}
	return false
}

func (b block) attr(key string) (string, bool) {
	for _, w := range b.info {
		if v, ok := strings.CutPrefix(w, key+"="); ok {
			return v, true
		}
	}
	return "", false
}

func (b block) runnable() bool {
	return len(b.info) > 0 && b.info[0] == "sh" && !b.has("norun")
}

func countRuns(blocks []block) int {
	n := 0
	for _, b := range blocks {
		if b.runnable() {
			n++
		}
	}
	return n
}

// readBlocks returns the fenced code blocks of a markdown file.
func readBlocks(path string) ([]block, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var (
		blocks []block
		cur    *block
		body   strings.Builder
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.HasPrefix(line, "```") {
			if cur != nil {
				body.WriteString(line + "\n")
			}
			continue
		}
		if cur == nil {
			cur = &block{line: n, info: strings.Fields(strings.TrimPrefix(line, "```"))}
			body.Reset()
			continue
		}
		cur.body = body.String()
		blocks = append(blocks, *cur)
		cur = nil
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: code block is not closed", path, cur.line)
	}
	return blocks, sc.Err()
}

// runWalkthrough runs blocks in dir with binDir first on PATH.
func runWalkthrough(dir, binDir string, blocks []block) error {
	var last *block
	var lastOut string
	for i := range blocks {
		b := blocks[i]
		where := fmt.Sprintf("line %d", b.line)
		if name, ok := b.attr("file"); ok {
			if filepath.IsAbs(name) || strings.Contains(name, "..") {
				return fmt.Errorf("%s: file=%s must name a file in the working directory", where, name)
			}
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(b.body), 0o644); err != nil {
				return err
			}
			continue
		}
		switch {
		case b.runnable():
			want := 0
			if v, ok := b.attr("exit"); ok {
				n, err := strconv.Atoi(v)
				if err != nil {
					return fmt.Errorf("%s: exit=%s is not a number", where, v)
				}
				want = n
			}
			out, code, err := runBlock(dir, binDir, b.body)
			if err != nil {
				return fmt.Errorf("%s: %v", where, err)
			}
			if code != want {
				return fmt.Errorf("%s: exit %d, the doc says %d:\n%s\noutput:\n%s", where, code, want, b.body, out)
			}
			last, lastOut = &blocks[i], out
		case len(b.info) > 0 && b.info[0] == "text" && b.has("expect"):
			if last == nil {
				return fmt.Errorf("%s: an expected output before any block ran", where)
			}
			if err := expectLines(lastOut, b.body); err != nil {
				return fmt.Errorf("%s: the output of the block at line %d: %v\noutput:\n%s", where, last.line, err, lastOut)
			}
		}
	}
	return nil
}

// runBlock runs one sh block and returns its stdout and stderr together.
func runBlock(dir, binDir, script string) (string, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	// Nothing of the caller's Azure configuration reaches the block.
	cmd.Env = []string{"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1", "TERM=dumb"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		return out.String(), -1, fmt.Errorf("timed out after 3 minutes")
	}
	if exit, ok := err.(*exec.ExitError); ok {
		return out.String(), exit.ExitCode(), nil
	}
	return out.String(), 0, err
}

var placeholder = regexp.MustCompile(`<[A-Za-z][A-Za-z0-9_-]*>`)

// expectLines checks that each non-blank line of want appears in out, in
// order, one output line each; <word> matches any run of non-space text.
func expectLines(out, want string) error {
	lines := strings.Split(out, "\n")
	at := 0
	for _, w := range strings.Split(want, "\n") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		var pat strings.Builder
		prev := 0
		for _, loc := range placeholder.FindAllStringIndex(w, -1) {
			pat.WriteString(regexp.QuoteMeta(w[prev:loc[0]]))
			pat.WriteString(`\S+`)
			prev = loc[1]
		}
		pat.WriteString(regexp.QuoteMeta(w[prev:]))
		re := regexp.MustCompile(pat.String())
		found := false
		for ; at < len(lines); at++ {
			if re.MatchString(lines[at]) {
				found, at = true, at+1
				break
			}
		}
		if !found {
			return fmt.Errorf("no line matching %q (after the lines matched before it)", w)
		}
	}
	return nil
}
