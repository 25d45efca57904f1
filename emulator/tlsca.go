package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// authority is the emulator's certificate authority and the serving leaf it
// signed.
type authority struct {
	caPEM  []byte
	leaf   tls.Certificate
	caCert *x509.Certificate
}

const (
	caFileName    = "ca.pem"
	caKeyFileName = "ca-key.pem"
)

// newAuthority loads the CA from dir when dir holds one (so clients that
// trust an earlier run's CA keep working), otherwise generates an ECDSA
// P-256 CA and, when dir is not empty, saves it there. It then signs a fresh
// leaf for 127.0.0.1, ::1 and localhost.
func newAuthority(dir string, now time.Time) (*authority, error) {
	caCert, caKey, caPEM, err := loadCA(dir)
	if err != nil {
		return nil, err
	}
	if caCert == nil {
		caCert, caKey, caPEM, err = generateCA(now)
		if err != nil {
			return nil, err
		}
		if dir != "" {
			keyDER, err := x509.MarshalECPrivateKey(caKey)
			if err != nil {
				return nil, fmt.Errorf("encoding CA key: %w", err)
			}
			keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
			if err := writeFileAtomic(filepath.Join(dir, caKeyFileName), keyPEM, 0o600); err != nil {
				return nil, err
			}
			if err := writeFileAtomic(filepath.Join(dir, caFileName), caPEM, 0o644); err != nil {
				return nil, err
			}
		}
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating leaf key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "regsync emulator"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(90 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("signing leaf certificate: %w", err)
	}
	return &authority{
		caPEM:  caPEM,
		caCert: caCert,
		leaf:   tls.Certificate{Certificate: [][]byte{der}, PrivateKey: leafKey},
	}, nil
}

func generateCA(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generating CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "regsync emulator CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("self-signing CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parsing CA: %w", err)
	}
	return cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// loadCA returns a nil certificate and no error when dir holds no CA.
func loadCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	if dir == "" {
		return nil, nil, nil, nil
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, caFileName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil, nil
	} else if err != nil {
		return nil, nil, nil, fmt.Errorf("reading CA: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, caKeyFileName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil, nil
	} else if err != nil {
		return nil, nil, nil, fmt.Errorf("reading CA key: %w", err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, nil, fmt.Errorf("CA files in %s are not PEM", dir)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parsing CA: %w", err)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parsing CA key: %w", err)
	}
	return cert, key, certPEM, nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(fmt.Sprintf("internal error: crypto/rand failed: %v", err))
	}
	return n
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// over path, so a reader never sees a half-written file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
