package identity

import (
	"crypto/subtle"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP per RFC 6238 as authenticator apps expect it: SHA-1, 30-second
// steps, 6 digits, one step of clock skew either way.
const totpPeriod = 30

// NewTOTPSecret returns a fresh base32 secret and its otpauth:// URL for a
// QR code.
func NewTOTPSecret(account string) (secret, url string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: "Silkgate", AccountName: account,
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", err
	}
	return k.Secret(), k.URL(), nil
}

// matchTOTP returns the time step the code belongs to, or 0. The caller
// refuses a step at or below the last one used, so a code observed once
// (shoulder-surfed, phished, replayed) cannot be used again.
func matchTOTP(secret, code string, now time.Time) int64 {
	if len(code) != 6 {
		return 0
	}
	step := now.Unix() / totpPeriod
	for _, s := range []int64{step, step - 1, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s
		}
	}
	return 0
}
