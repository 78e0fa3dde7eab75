using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;

namespace Sentinel.Agent
{
    /// <summary>
    /// A conversation with one ssh-agent over a connected stream: one request at a time, each reply
    /// awaited for at most <see cref="Timeout"/>. An agent that stops answering, closes mid-reply or
    /// claims a huge length ends the conversation with an <see cref="AgentException"/> and closes the
    /// stream; it never blocks the connection that asked.
    /// </summary>
    internal sealed class AgentClient : IDisposable
    {
        private readonly Stream _stream;
        private readonly object _gate = new object();
        private bool _broken;

        public AgentClient(Stream stream, string location, TimeSpan timeout)
        {
            _stream = stream;
            Location = location;
            Timeout = timeout;
        }

        /// <summary>The socket or pipe path, for messages.</summary>
        public string Location { get; }

        public TimeSpan Timeout { get; }

        public IReadOnlyList<AgentIdentity> ListIdentities() => AgentProtocol.ParseIdentities(Exchange(AgentProtocol.IdentitiesRequest(), "listing its identities"));

        /// <summary>The signature blob, or null when the agent refused (for example a confirmation the user denied).</summary>
        public byte[]? Sign(byte[] keyBlob, byte[] data, uint flags) => AgentProtocol.ParseSignature(Exchange(AgentProtocol.SignRequestFor(keyBlob, data, flags), "signing"));

        public void Dispose()
        {
            lock (_gate)
            {
                _broken = true;
            }

            _stream.Dispose();
        }

        private byte[] Exchange(byte[] request, string doing)
        {
            lock (_gate)
            {
                if (_broken)
                {
                    throw new AgentException($"the connection to the agent was already closed (while {doing})");
                }

                try
                {
                    var deadline = DateTime.UtcNow + Timeout;
                    Run(_stream.WriteAsync(request, 0, request.Length), deadline, doing);
                    Run(_stream.FlushAsync(), deadline, doing);
                    var header = ReadExactly(4, deadline, doing);
                    var length = ((uint)header[0] << 24) | ((uint)header[1] << 16) | ((uint)header[2] << 8) | header[3];
                    if (length == 0 || length > AgentProtocol.MaxMessageLength)
                    {
                        throw new AgentException($"the agent announced a reply of {length} bytes while {doing} (at most {AgentProtocol.MaxMessageLength} are allowed)");
                    }

                    return ReadExactly((int)length, deadline, doing);
                }
                catch (Exception e)
                {
                    // A conversation that went wrong mid-message cannot be resumed: the next reply would be out of step.
                    _broken = true;
                    _stream.Dispose();
                    if (e is AgentException)
                    {
                        throw;
                    }

                    throw new AgentException($"the agent connection failed while {doing}: {e.Message}", e);
                }
            }
        }

        private byte[] ReadExactly(int count, DateTime deadline, string doing)
        {
            var buffer = new byte[count];
            var read = 0;
            while (read < count)
            {
                var got = Run(_stream.ReadAsync(buffer, read, count - read), deadline, doing);
                if (got == 0)
                {
                    throw new AgentException($"the agent closed the connection while {doing}");
                }

                read += got;
            }

            return buffer;
        }

        /// <summary>Waits for the I/O until the deadline; past it the stream is closed, which ends the I/O.</summary>
        private T Run<T>(Task<T> io, DateTime deadline, string doing)
        {
            Run((Task)io, deadline, doing);
            return io.Result;
        }

        private void Run(Task io, DateTime deadline, string doing)
        {
            var left = deadline - DateTime.UtcNow;
            if (left < TimeSpan.Zero || !((IAsyncResult)io).AsyncWaitHandle.WaitOne(left))
            {
                _stream.Dispose();
                io.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                throw new AgentException($"the agent did not answer within {Timeout.TotalSeconds:0.#} s while {doing}");
            }

            if (io.IsFaulted || io.IsCanceled)
            {
                var inner = io.Exception?.GetBaseException() ?? new OperationCanceledException();
                throw new AgentException($"the agent connection failed while {doing}: {inner.Message}", inner);
            }
        }
    }
}
