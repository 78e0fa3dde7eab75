using System;
using System.Collections.Generic;
using System.Linq;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Platform;
using Sentinel.Transport;

namespace Sentinel.Ssh
{
    /// <summary>
    /// Builds SSH.NET's authentication methods for a request, in ssh's order: agent identities, key
    /// files, the password, and the password again for keyboard-interactive prompts. Records which
    /// method and key the server accepted, for the session object, and what it answered when it
    /// refused, for the error.
    /// </summary>
    internal sealed class SshNetAuthentication
    {
        private static readonly char[] Comma = { ',' };
        private readonly SshConnectRequest _request;
        private readonly object _gate = new object();
        private (byte[] Blob, string Source, bool Agent)? _lastSigned;
        private volatile bool _passwordRefused;
        private readonly List<string> _offered = new List<string>();
        private readonly List<string> _partialSuccess = new List<string>();
        private string[]? _allowed;

        public SshNetAuthentication(SshConnectRequest request)
        {
            _request = request;
        }

        public AuthenticationMethod[] Methods(byte[]? password)
        {
            var methods = new List<AuthenticationMethod>();
            var sources = _request.AgentKeys.Select(k => (IPrivateKeySource)new Tracked(new SshNetAgentKey(k).HostKeyAlgorithms, k.Identity.Comment, true, this))
                .Concat(_request.Keys.Cast<SshNetPrivateKey>().Select(k => (IPrivateKeySource)new Tracked(k.HostKeyAlgorithms, k.Path, false, this)))
                .Where(s => s.HostKeyAlgorithms.Count > 0)
                .ToArray();
            if (sources.Length > 0)
            {
                methods.Add(new PublicKey(_request.UserName, sources, this));
            }

            if (password != null)
            {
                methods.Add(new Password(_request.UserName, password, this));
                methods.Add(new KeyboardInteractive(_request, this));
            }

            _offered.AddRange(methods.Select(m => m.Name));
            return methods.ToArray();
        }

        /// <summary>
        /// What the server answered to the methods that ran; when none ran (the server accepts none of
        /// those offered), SSH.NET's error names the list the server gave. Null when it cannot be known.
        /// </summary>
        public AuthenticationRefusal? Refusal(SshAuthenticationException e)
        {
            lock (_gate)
            {
                var allowed = _allowed ?? NoSuitableMethod(e.Message);
                return allowed == null ? null : new AuthenticationRefusal(_offered.ToArray(), allowed, _partialSuccess.ToArray());
            }
        }

        /// <summary>The server's list in SSH.NET's "No suitable authentication method found to complete authentication (publickey)."</summary>
        private static string[]? NoSuitableMethod(string message)
        {
            var match = System.Text.RegularExpressions.Regex.Match(message, @"^No suitable authentication method found to complete authentication \(([^()]*)\)\.$");
            return match.Success ? match.Groups[1].Value.Split(Comma, StringSplitOptions.RemoveEmptyEntries) : null;
        }

        /// <summary>The methods the server has accepted so far as one step of several.</summary>
        private string[] PartialSuccesses()
        {
            lock (_gate)
            {
                return _partialSuccess.ToArray();
            }
        }

        private void Signed(byte[] blob, string source, bool agent)
        {
            lock (_gate)
            {
                _lastSigned = (blob, source, agent);
            }
        }

        private void Succeeded(UserAuthenticationMethod method)
        {
            if (method == UserAuthenticationMethod.Key)
            {
                lock (_gate)
                {
                    // The publickey method signs only for the key the server is ready to accept, and
                    // stops at the first success: the last key that signed is the accepted one.
                    var signed = _lastSigned!.Value;
                    _request.Authenticated = new UserAuthentication(signed.Agent ? UserAuthenticationMethod.AgentKey : UserAuthenticationMethod.Key, signed.Blob, signed.Source);
                }
            }
            else
            {
                _request.Authenticated = new UserAuthentication(method);
            }
        }

        /// <summary>A key's algorithms, each reporting the blob it offered when it signs.</summary>
        private sealed class Tracked : IPrivateKeySource
        {
            public Tracked(IEnumerable<HostAlgorithm> algorithms, string source, bool agent, SshNetAuthentication owner)
            {
                HostKeyAlgorithms = algorithms.Select(a => (HostAlgorithm)new TrackedAlgorithm(a, a.Data, source, agent, owner)).ToList();
            }

            public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }
        }

        private sealed class TrackedAlgorithm : HostAlgorithm
        {
            private readonly HostAlgorithm _inner;
            private readonly byte[] _blob;
            private readonly string _source;
            private readonly bool _agent;
            private readonly SshNetAuthentication _owner;

            public TrackedAlgorithm(HostAlgorithm inner, byte[] blob, string source, bool agent, SshNetAuthentication owner)
                : base(inner.Name)
            {
                _inner = inner;
                _blob = blob;
                _source = source;
                _agent = agent;
                _owner = owner;
            }

            public override byte[] Data => _inner.Data;

            public override byte[] Sign(byte[] data)
            {
                var signature = _inner.Sign(data);
                _owner.Signed(_blob, _source, _agent);
                return signature;
            }

            public override bool VerifySignature(byte[] data, byte[] signature) => _inner.VerifySignature(data, signature);
        }

        private sealed class PublicKey : PrivateKeyAuthenticationMethod
        {
            private readonly SshNetAuthentication _owner;

            public PublicKey(string userName, IPrivateKeySource[] keys, SshNetAuthentication owner)
                : base(userName, keys)
            {
                _owner = owner;
            }

            public override AuthenticationResult Authenticate(Session session) => _owner.Record(base.Authenticate(session), UserAuthenticationMethod.Key, this);
        }

        private sealed class Password : PasswordAuthenticationMethod
        {
            private readonly SshNetAuthentication _owner;

            public Password(string userName, byte[] password, SshNetAuthentication owner)
                : base(userName, password)
            {
                _owner = owner;
            }

            public override AuthenticationResult Authenticate(Session session)
            {
                var result = _owner.Record(base.Authenticate(session), UserAuthenticationMethod.Password, this);
                _owner._passwordRefused |= result == AuthenticationResult.Failure;
                return result;
            }
        }

        /// <summary>
        /// Answers the server's keyboard-interactive prompts (PAM): an echo-off password prompt gets the
        /// password, once; any other prompt (a one-time code, a question shown as typed) fails the
        /// connection with Sentinel.AuthenticationPromptUnsupported naming it, never waiting for an answer.
        /// </summary>
        private sealed class KeyboardInteractive : KeyboardInteractiveAuthenticationMethod
        {
            private readonly SshNetAuthentication _owner;
            private readonly SshConnectRequest _request;
            private int _passwordsSent;

            public KeyboardInteractive(SshConnectRequest request, SshNetAuthentication owner)
                : base(request.UserName)
            {
                _owner = owner;
                _request = request;
                AuthenticationPrompt += Answer;
            }

            public override AuthenticationResult Authenticate(Session session) => _owner.Record(base.Authenticate(session), UserAuthenticationMethod.KeyboardInteractive, this);

            private void Answer(object? sender, AuthenticationPromptEventArgs e)
            {
                foreach (var prompt in e.Prompts)
                {
                    if (!KeyboardInteractivePrompt.IsPasswordPrompt(prompt.Request, prompt.IsEchoed))
                    {
                        throw ConnectionErrors.PromptUnsupported(_request.ComputerName, _request.UserName, prompt.Request, prompt.IsEchoed, _owner.PartialSuccesses());
                    }

                    // PAM asks again after a wrong password, and a server with both methods asks here for the
                    // password its password method just refused: answering would only count more failures
                    // against the account.
                    if (++_passwordsSent > 1 || _owner._passwordRefused)
                    {
                        throw ConnectionErrors.AuthenticationFailed(_request.ComputerName, _request.UserName, "keyboard-interactive password");
                    }

                    _request.Log?.Invoke($"Answering the keyboard-interactive prompt '{KeyboardInteractivePrompt.Printable(prompt.Request)}' with the password.");

                    // SSH.NET takes the answer as a string: the password is unwrapped here, at the last moment.
                    prompt.Response = Secrets.ToUnsecureString(_request.Password!);
                }
            }
        }

        private AuthenticationResult Record(AuthenticationResult result, UserAuthenticationMethod method, AuthenticationMethod ran)
        {
            if (result == AuthenticationResult.Success)
            {
                Succeeded(method);
                return result;
            }

            // The server's SSH_MSG_USERAUTH_FAILURE: the methods that can continue, and whether this one
            // counted as one step of several.
            lock (_gate)
            {
                _allowed = ran.AllowedAuthentications ?? _allowed;
                if (result == AuthenticationResult.PartialSuccess)
                {
                    _partialSuccess.Add(ran.Name);
                }
            }

            return result;
        }
    }
}
