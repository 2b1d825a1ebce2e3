//go:build ignore

// os/exec: run programs, capture their output, pass input and
// environment, see exit codes, run several at once.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
)

func main() {
	out, err := exec.Command("echo", "hello", "from", "echo").Output()
	fmt.Printf("%q %v\n", out, err)

	cmd := exec.Command("sh", "-c", "echo out; echo err 1>&2; exit 3")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	fmt.Println(strings.TrimSpace(stdout.String()), strings.TrimSpace(stderr.String()), errors.As(err, &exitErr), exitErr.ExitCode())

	tr := exec.Command("tr", "a-z", "A-Z")
	tr.Stdin = strings.NewReader("shout this\n")
	up, _ := tr.Output()
	fmt.Print(string(up))

	env := exec.Command("sh", "-c", "echo $GREETING")
	env.Env = append(os.Environ(), "GREETING=hi there")
	greet, _ := env.CombinedOutput()
	fmt.Print(string(greet))

	_, err = exec.LookPath("no-such-program-here")
	fmt.Println("missing program:", err != nil)

	var wg sync.WaitGroup
	outs := make([]string, 3)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := exec.Command("sh", "-c", fmt.Sprintf("echo job %d", i)).Output()
			if err != nil {
				outs[i] = err.Error()
				return
			}
			outs[i] = strings.TrimSpace(string(b))
		}()
	}
	wg.Wait()
	fmt.Println(strings.Join(outs, ", "))
}
