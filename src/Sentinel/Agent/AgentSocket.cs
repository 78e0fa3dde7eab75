using System;
using System.IO;
using System.IO.Pipes;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Sentinel.Agent
{
    /// <summary>
    /// Where the user's ssh-agent listens and how to reach it: a Unix socket ($SSH_AUTH_SOCK or
    /// ssh_config IdentityAgent), or on Windows the named pipe of Microsoft's OpenSSH agent
    /// (<c>\\.\pipe\openssh-ssh-agent</c>). The pipe path is compiled but not tested here (no Windows in
    /// the lab).
    /// </summary>
    internal static class AgentSocket
    {
        public const string WindowsPipe = @"\\.\pipe\openssh-ssh-agent";
        private const string PipePrefix = @"\\.\pipe\";

        /// <summary>
        /// The agent to use, as ssh finds it: ssh_config IdentityAgent (<c>none</c> for no agent,
        /// <c>SSH_AUTH_SOCK</c> or <c>$VAR</c> for an environment variable, else a path), else
        /// $SSH_AUTH_SOCK, else on Windows the OpenSSH pipe; null when there is none.
        /// </summary>
        public static string? Locate(string? identityAgent, Func<string, string?> environment, Func<string, string> resolvePath)
        {
            if (identityAgent != null)
            {
                if (identityAgent.Equals("none", StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }

                if (identityAgent == "SSH_AUTH_SOCK")
                {
                    return environment("SSH_AUTH_SOCK");
                }

                return identityAgent.StartsWith("$", StringComparison.Ordinal) ? environment(identityAgent.Substring(1)) : resolvePath(identityAgent);
            }

            return environment("SSH_AUTH_SOCK") ?? (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? WindowsPipe : null);
        }

        /// <summary>Connects to the agent; an <see cref="AgentException"/> says why not (missing, refused, not a socket).</summary>
        public static Stream Open(string location, TimeSpan timeout)
        {
            try
            {
                return location.StartsWith(PipePrefix, StringComparison.OrdinalIgnoreCase)
                    ? OpenPipe(location.Substring(PipePrefix.Length), timeout)
                    : OpenUnixSocket(location, timeout);
            }
            catch (AgentException)
            {
                throw;
            }
            catch (Exception e) when (e is IOException || e is SocketException || e is UnauthorizedAccessException || e is TimeoutException || e is ArgumentException || e is NotSupportedException)
            {
                throw new AgentException(e.Message, e);
            }
        }

        private static NamedPipeClientStream OpenPipe(string name, TimeSpan timeout)
        {
            var pipe = new NamedPipeClientStream(".", name, PipeDirection.InOut, PipeOptions.Asynchronous);
            try
            {
                pipe.Connect((int)Math.Min(int.MaxValue, timeout.TotalMilliseconds));
                return pipe;
            }
            catch
            {
                pipe.Dispose();
                throw;
            }
        }

        private static NetworkStream OpenUnixSocket(string path, TimeSpan timeout)
        {
            if (!File.Exists(path))
            {
                throw new AgentException(Directory.Exists(path) ? "it is a folder, not a socket" : "no socket exists there");
            }

            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.SendTimeout = socket.ReceiveTimeout = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds);
                socket.Connect(UnixEndPoint(path));
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        /// <summary>
        /// .NET's UnixDomainSocketEndPoint, which netstandard2.0 does not declare but every runtime
        /// PowerShell 7 runs on has; Windows PowerShell 5.1 (.NET Framework) lacks it and uses the pipe.
        /// </summary>
        private static EndPoint UnixEndPoint(string path)
        {
            var type = typeof(Socket).Assembly.GetType("System.Net.Sockets.UnixDomainSocketEndPoint")
                ?? throw new AgentException("this .NET runtime cannot open Unix sockets; use the OpenSSH agent's named pipe");
            return (EndPoint)Activator.CreateInstance(type, path)!;
        }
    }
}
