package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
)

// errPortInUse marks a start that failed because a child could not bind a
// port picked for it; [Start] retries with new ports.
var errPortInUse = errors.New("port already in use")

// Poll intervals for readiness; etcd is usually up in tens of milliseconds.
const (
	etcdPollInterval      = 25 * time.Millisecond
	apiserverPollInterval = 100 * time.Millisecond
	probeTimeout          = 2 * time.Second
)

// startProcesses writes the PKI, starts etcd, waits for it, starts
// kube-apiserver and waits until /readyz succeeds with the admin identity.
func (e *Env) startProcesses(ctx context.Context) error {
	ca, err := newAuthority()
	if err != nil {
		return err
	}
	e.ca = ca
	pki := filepath.Join(e.Dir, "pki")
	files, err := writePKI(ca, pki)
	if err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdClient, etcdPeer, securePort := ports[0], ports[1], ports[2]
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdClient)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(etcdPeer)

	etcdArgs := []string{
		"--name=testenv",
		"--data-dir=" + filepath.Join(e.Dir, "etcd"),
		"--listen-client-urls=" + etcdURL,
		"--advertise-client-urls=" + etcdURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=testenv=" + peerURL,
		"--initial-cluster-state=new",
		// Data is thrown away after the test; fsync only slows writes.
		"--unsafe-no-fsync=true",
	}
	e.etcd, err = startProcess("etcd", filepath.Join(e.opts.BinDir, "etcd"), etcdArgs,
		environWithout("ETCD_"), filepath.Join(e.Dir, "etcd.log"))
	if err != nil {
		return err
	}
	if err := waitReady(ctx, e.etcd, etcdPollInterval, etcdHealthy(etcdURL)); err != nil {
		return err
	}

	e.Host = "https://127.0.0.1:" + strconv.Itoa(securePort)
	apiArgs := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(securePort),
		// Both together let the apiserver start without a default route (in
		// a bare network namespace) and stop it from publishing itself as the
		// endpoint of the kubernetes service.
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + filepath.Join(e.Dir, "apiserver"),
		"--tls-cert-file=" + files.servingCert,
		"--tls-private-key-file=" + files.servingKey,
		"--client-ca-file=" + files.caCert,
		"--service-account-issuer=" + e.Host + "/",
		"--service-account-key-file=" + files.saKey,
		"--service-account-signing-key-file=" + files.saKey,
		"--authorization-mode=RBAC",
		// No controller-manager creates default service accounts, so the
		// admission plugin would reject every pod.
		"--disable-admission-plugins=ServiceAccount",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
	}
	apiArgs = append(apiArgs, e.opts.APIServerFlags...)
	e.apiserver, err = startProcess("kube-apiserver", filepath.Join(e.opts.BinDir, "kube-apiserver"), apiArgs,
		os.Environ(), filepath.Join(e.Dir, "kube-apiserver.log"))
	if err != nil {
		return err
	}

	certPEM, keyPEM, err := ca.clientCert(AdminUser, []string{"system:masters"})
	if err != nil {
		return fmt.Errorf("admin client certificate: %w", err)
	}
	e.AdminConfig = e.restConfig(certPEM, keyPEM)
	e.AdminConfig.QPS = -1 // no client-side rate limiting
	e.admin, err = kubernetes.NewForConfig(e.AdminConfig)
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	return waitReady(ctx, e.apiserver, apiserverPollInterval, apiserverReady(e.admin))
}

type pkiFiles struct {
	caCert, servingCert, servingKey, saKey string
}

func writePKI(ca *authority, dir string) (pkiFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return pkiFiles{}, fmt.Errorf("create pki dir: %w", err)
	}
	servingCert, servingKey, err := ca.servingCert()
	if err != nil {
		return pkiFiles{}, err
	}
	saKey, err := newServiceAccountKey()
	if err != nil {
		return pkiFiles{}, err
	}
	f := pkiFiles{
		caCert:      filepath.Join(dir, "ca.crt"),
		servingCert: filepath.Join(dir, "apiserver.crt"),
		servingKey:  filepath.Join(dir, "apiserver.key"),
		saKey:       filepath.Join(dir, "sa.key"),
	}
	for path, data := range map[string][]byte{
		f.caCert:      ca.certPEM,
		f.servingCert: servingCert,
		f.servingKey:  servingKey,
		f.saKey:       saKey,
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return pkiFiles{}, fmt.Errorf("write %s: %w", filepath.Base(path), err)
		}
	}
	return f, nil
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick free port: %w", err)
		}
		// Held open until all are picked, so the n ports differ.
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// environWithout returns this process's environment minus variables with
// the prefix: etcd treats every ETCD_* variable as a flag and refuses to
// start when one duplicates a command-line flag.
func environWithout(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls check until it succeeds, the process exits or ctx ends.
func waitReady(ctx context.Context, p *process, interval time.Duration, check func(context.Context) error) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	var last error
	for {
		probeCtx, cancel := context.WithTimeout(ctx, probeTimeout)
		last = check(probeCtx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-p.done:
			logTail := p.logTail(30)
			err := p.exitError()
			if strings.Contains(logTail, "address already in use") {
				err = fmt.Errorf("%w: %w", errPortInUse, err)
			}
			return fmt.Errorf("%w; log %s ends:\n%s", err, p.logPath, logTail)
		case <-ctx.Done():
			return fmt.Errorf("%s (pid %d) not ready: %w; last probe: %v; log %s ends:\n%s",
				p.name, p.pid(), ctx.Err(), last, p.logPath, p.logTail(30))
		case <-ticker.C:
		}
	}
}

func etcdHealthy(clientURL string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, clientURL+"/health", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"health":"true"`) {
			return fmt.Errorf("etcd /health: %s: %s", resp.Status, body)
		}
		return nil
	}
}

func apiserverReady(admin kubernetes.Interface) func(context.Context) error {
	return func(ctx context.Context) error {
		// verbose makes a failing probe name the checks still pending.
		_, err := admin.Discovery().RESTClient().Get().AbsPath("/readyz").Param("verbose", "true").DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("kube-apiserver /readyz: %w", err)
		}
		return nil
	}
}
