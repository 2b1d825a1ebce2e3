package jupyter

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestReadConnectionFile(t *testing.T) {
	tests := []struct {
		file string
		want ConnectionInfo
	}{
		{"tcp.json", ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: 53794, IOPubPort: 53795, StdinPort: 53796, ControlPort: 53797, HBPort: 53798,
			SignatureScheme: "hmac-sha256", Key: "a0436f6c-1916-498b-8eb9-e81ab9368e84", KernelName: "gocurrent"}},
		{"all_interfaces.json", ConnectionInfo{Transport: "tcp", IP: "0.0.0.0", ShellPort: 1, IOPubPort: 2, StdinPort: 3, ControlPort: 4, HBPort: 5,
			SignatureScheme: "hmac-sha256", Key: "k"}},
		{"ipc.json", ConnectionInfo{Transport: "ipc", IP: "/tmp/kernel-abc", ShellPort: 1, IOPubPort: 2, StdinPort: 3, ControlPort: 4, HBPort: 5, KernelName: "gocurrent"}},
		{"no_transport_no_key.json", ConnectionInfo{Transport: "tcp", IP: "127.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ReadConnectionFile(filepath.Join("testdata", "connection", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestReadConnectionFileErrors(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"missing.json", "no such file"},
		{"bad_json.json", "parsing connection file"},
		{"bad_port_type.json", "shell_port"},
		{"bad_scheme.json", `unsupported signature_scheme "hmac-md5"`},
		{"bad_no_scheme.json", `unsupported signature_scheme ""`},
		{"bad_transport.json", `unsupported transport "udp"`},
		{"bad_port_range.json", "iopub_port 70000 out of range"},
		{"bad_duplicate_ports.json", "control_port and iopub_port are both 2"},
		{"bad_no_ip.json", "ip is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "connection", tt.file)
			_, err := ReadConnectionFile(path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}
