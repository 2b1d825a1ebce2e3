package jupyter

import (
	"encoding/json"
	"fmt"
	"os"
)

// ConnectionInfo is the content of a kernel connection file.
type ConnectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	HBPort          int    `json:"hb_port"`
	SignatureScheme string `json:"signature_scheme"`
	Key             string `json:"key"`
	KernelName      string `json:"kernel_name"`
}

// SignatureHMACSHA256 is the only signature scheme this package supports.
const SignatureHMACSHA256 = "hmac-sha256"

// ReadConnectionFile reads and validates the connection file at path.
//
// An empty transport means "tcp", as in jupyter_client. The transport must
// be tcp or ipc, the ip must be set, ports must be in 0..65535 (0 lets
// [Bind] choose) and distinct, and a non-empty key requires the
// signature scheme hmac-sha256. Errors name the path.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("jupyter: reading connection file: %w", err)
	}
	var info ConnectionInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return ConnectionInfo{}, fmt.Errorf("jupyter: parsing connection file %s: %w", path, err)
	}
	if err := info.validate(); err != nil {
		return ConnectionInfo{}, fmt.Errorf("jupyter: connection file %s: %w", path, err)
	}
	return info, nil
}

// validate checks info and fills in the default transport.
func (info *ConnectionInfo) validate() error {
	switch info.Transport {
	case "":
		info.Transport = "tcp"
	case "tcp", "ipc":
	default:
		return fmt.Errorf("unsupported transport %q (want tcp or ipc)", info.Transport)
	}
	if info.IP == "" {
		return fmt.Errorf("ip is empty")
	}
	if info.Key != "" && info.SignatureScheme != SignatureHMACSHA256 {
		return fmt.Errorf("unsupported signature_scheme %q (want %s)", info.SignatureScheme, SignatureHMACSHA256)
	}
	seen := make(map[int]string)
	for _, p := range info.ports() {
		if *p.port < 0 || *p.port > 65535 {
			return fmt.Errorf("%s %d out of range", p.name, *p.port)
		}
		if *p.port == 0 {
			continue
		}
		if other, dup := seen[*p.port]; dup {
			return fmt.Errorf("%s and %s are both %d", other, p.name, *p.port)
		}
		seen[*p.port] = p.name
	}
	return nil
}

type namedPort struct {
	name string
	port *int
}

// ports lists the five ports of info, by their JSON names.
func (info *ConnectionInfo) ports() []namedPort {
	return []namedPort{
		{"shell_port", &info.ShellPort},
		{"control_port", &info.ControlPort},
		{"iopub_port", &info.IOPubPort},
		{"stdin_port", &info.StdinPort},
		{"hb_port", &info.HBPort},
	}
}
