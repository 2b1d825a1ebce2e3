package jupyter

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// python is the interpreter with jupyter_client; the python3 first on PATH
// may be another one without it.
const python = "/usr/bin/python3"

// TestInteropJupyterClient runs testdata/interop_client.py, which uses
// jupyter_client (and so libzmq and its signature and date checks) against
// Sockets answered by a tiny kernel in Go.
func TestInteropJupyterClient(t *testing.T) {
	if out, err := exec.Command(python, "-c", "import jupyter_client, zmq").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import jupyter_client and zmq (%v: %s); install the Debian packages python3-jupyter-client and python3-zmq (apt-get install python3-jupyter-client)",
			python, err, strings.TrimSpace(string(out)))
	}
	dir := t.TempDir()
	for _, info := range []ConnectionInfo{
		{Transport: "tcp", IP: "127.0.0.1"},
		{Transport: "tcp", IP: "0.0.0.0"},
		{Transport: "ipc", IP: filepath.Join(dir, "kernel")},
	} {
		t.Run(info.Transport+"-"+filepath.Base(info.IP), func(t *testing.T) {
			info.Key, info.SignatureScheme, info.KernelName = newUUID(), SignatureHMACSHA256, "gocurrent-test"
			s, lb := bindTest(t, info)
			go fakeKernel(s)

			cf := filepath.Join(t.TempDir(), "kernel.json")
			data, err := json.Marshal(s.Info())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cf, data, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, python, filepath.Join("testdata", "interop_client.py"), cf).CombinedOutput()
			if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
				t.Fatalf("interop client failed: %v\n%s", err, out)
			}
			if n := lb.count(""); n != 0 {
				t.Errorf("%d problems logged with a well-behaved client", n)
			}
		})
	}
}

// fakeKernel answers the requests interop_client.py makes, the way a real
// kernel must: busy, outputs, reply, idle.
func fakeKernel(s *Sockets) {
	var waiting *Message // execute_request waiting for input_reply
	for m := range s.Incoming() {
		if m.Channel == Stdin {
			if m.Header.MsgType == "input_reply" && waiting != nil {
				var c struct{ Value string }
				json.Unmarshal(m.Content, &c)
				s.Publish(waiting, "stream", map[string]string{"name": "stdout", "text": c.Value + "\n"}, nil)
				finishExecute(s, waiting)
				waiting = nil
			}
			continue
		}
		s.Publish(m, "status", map[string]string{"execution_state": "busy"}, nil)
		switch m.Header.MsgType {
		case "kernel_info_request":
			s.Reply(m, "kernel_info_reply", map[string]any{
				"status":                 "ok",
				"protocol_version":       ProtocolVersion,
				"implementation":         "gocurrent-test",
				"implementation_version": "0",
				"language_info":          map[string]string{"name": "go", "version": "1.26", "mimetype": "text/x-go", "file_extension": ".go"},
				"banner":                 "test",
			}, nil)
		case "execute_request":
			var c struct{ Code string }
			json.Unmarshal(m.Content, &c)
			s.Publish(m, "execute_input", map[string]any{"code": c.Code, "execution_count": 1}, nil)
			if c.Code == "input" {
				s.SendStdin(m, "input_request", map[string]any{"prompt": "? ", "password": false})
				waiting = m
				continue // idle after the input arrives
			}
			if n, ok := strings.CutPrefix(c.Code, "flood "); ok {
				count, _ := strconv.Atoi(n)
				for i := range count {
					s.Publish(m, "stream", map[string]string{"name": "stdout", "text": fmt.Sprintf("%d\n", i)}, nil)
				}
			}
			finishExecute(s, m)
			continue
		default:
			s.Reply(m, strings.TrimSuffix(m.Header.MsgType, "_request")+"_reply", map[string]string{"status": "ok"}, nil)
		}
		s.Flush(time.Second)
		s.Publish(m, "status", map[string]string{"execution_state": "idle"}, nil)
	}
}

func finishExecute(s *Sockets, m *Message) {
	s.Flush(time.Second)
	s.Reply(m, "execute_reply", map[string]any{"status": "ok", "execution_count": 1, "user_expressions": map[string]any{}}, nil)
	s.Publish(m, "status", map[string]string{"execution_state": "idle"}, nil)
}
