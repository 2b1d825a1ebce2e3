package exportdata

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Doc runs go doc for target (a package, or package.Name), when the Go
// toolchain is installed.
func Doc(target string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("go doc %s: %w", target, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "doc", target).Output()
	if err != nil {
		return "", fmt.Errorf("go doc %s: %w", target, err)
	}
	return strings.TrimRight(string(out), "\n"), nil
}
