package kubelettest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// certValidity outlives any test run; the certificates exist only in memory.
const certValidity = 24 * time.Hour

// newServingPKI creates a CA of the fake's own, unrelated to any API server
// CA, and a serving certificate for 127.0.0.1 signed by it. A separate CA is
// the common case for kubelet serving certificates, and it lets tests prove
// that the client verifies against the configured bundle.
func newServingPKI(nodeName string) (caPEM []byte, serving tls.Certificate, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("generate kubelet CA key: %w", err)
	}
	caTmpl, err := template(pkix.Name{CommonName: "kubelettest-ca@" + nodeName})
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caTmpl.IsCA = true
	caTmpl.BasicConstraintsValid = true
	caTmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("create kubelet CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("parse kubelet CA certificate: %w", err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("generate kubelet serving key: %w", err)
	}
	// The subject mirrors a kubelet's CSR-issued serving certificate.
	tmpl, err := template(pkix.Name{CommonName: "system:node:" + nodeName, Organization: []string{"system:nodes"}})
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("create kubelet serving certificate: %w", err)
	}
	serving = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), serving, nil
}

func template(subject pkix.Name) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject,
		// Backdated so a slightly skewed clock does not reject a fresh cert.
		NotBefore: now.Add(-time.Hour),
		NotAfter:  now.Add(certValidity),
	}, nil
}
