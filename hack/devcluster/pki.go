package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// apiserverKubeletClient is the identity kube-apiserver presents to
// kubelets (pods/log, exec, port-forward), named and grouped as kubeadm
// names it: system:masters, so the kubelet's SubjectAccessReview allows it.
const apiserverKubeletClient = "kube-apiserver-kubelet-client"

// kubeletClientPKI is a CA the fake kubelet trusts for client certificates
// besides the API server's own client CA, and a certificate from it for
// kube-apiserver's --kubelet-client-certificate. testenv creates its CA
// only while starting, after kube-apiserver's flags are fixed, so this one
// is separate; a kubelet's --client-ca-file is a bundle anyway.
type kubeletClientPKI struct {
	caPEM             []byte
	certFile, keyFile string
}

// newKubeletClientPKI writes the client certificate and key into dir.
func newKubeletClientPKI(dir string) (*kubeletClientPKI, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate kubelet client CA key: %w", err)
	}
	caTmpl, err := certTemplate(pkix.Name{CommonName: "devcluster-kubelet-client-ca"})
	if err != nil {
		return nil, err
	}
	caTmpl.IsCA = true
	caTmpl.BasicConstraintsValid = true
	caTmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("create kubelet client CA: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parse kubelet client CA: %w", err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate kubelet client key: %w", err)
	}
	tmpl, err := certTemplate(pkix.Name{CommonName: apiserverKubeletClient, Organization: []string{"system:masters"}})
	if err != nil {
		return nil, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("create kubelet client certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal kubelet client key: %w", err)
	}

	p := &kubeletClientPKI{
		caPEM:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		certFile: filepath.Join(dir, "apiserver-kubelet-client.crt"),
		keyFile:  filepath.Join(dir, "apiserver-kubelet-client.key"),
	}
	if err := os.WriteFile(p.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, fmt.Errorf("write kubelet client certificate: %w", err)
	}
	if err := os.WriteFile(p.keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, fmt.Errorf("write kubelet client key: %w", err)
	}
	return p, nil
}

func certTemplate(subject pkix.Name) (*x509.Certificate, error) {
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
		// The devcluster lives as long as a developer's session.
		NotAfter: now.Add(7 * 24 * time.Hour),
	}, nil
}
