using System.Text.RegularExpressions;

namespace Sentinel.Connections
{
    /// <summary>
    /// Which keyboard-interactive prompts Sentinel answers with the user's password. Only a prompt
    /// shown without echo (a secret) that asks for a password, and nothing that asks for a code, a
    /// token, a PIN or an OTP: sending the password where a one-time code is asked would hand it to a
    /// second-factor prompt and count a failure against the account.
    /// </summary>
    internal static class KeyboardInteractivePrompt
    {
        private static readonly Regex Password = new Regex(@"passw(or)?d|passphrase|passwort|mot de passe|contrase(ñ|n)a|senha|parola|wachtwoord|lösenord|adgangskode|пароль|密码|密碼|パスワード|암호|비밀번호", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static readonly Regex OneTime = new Regex(@"\b(otp|one[- ]time|verification|code|token|pin|yubikey|duo|passcode|2fa|mfa|factor)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        public static bool IsPasswordPrompt(string? prompt, bool echoed) =>
            !echoed && prompt != null && Password.IsMatch(prompt) && !OneTime.IsMatch(prompt);

        /// <summary>The prompt as it can be shown in a message: control characters replaced, at most 200 characters.</summary>
        public static string Printable(string? prompt)
        {
            var chars = (prompt ?? string.Empty).ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (char.IsControl(chars[i]))
                {
                    chars[i] = ' ';
                }
            }

            var text = new string(chars).Trim();
            return text.Length > 200 ? text.Substring(0, 200) + "..." : text;
        }
    }
}
