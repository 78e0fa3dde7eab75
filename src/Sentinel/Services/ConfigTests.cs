namespace Sentinel.Services
{
    /// <summary>Which command tests a service's configuration; run under sudo (the tools read root-only files).</summary>
    internal static class ConfigTests
    {
        /// <summary>The test's command line, or null when Sentinel knows none for this service (postgresql has none).</summary>
        public static string? For(string name)
        {
            switch (ServiceName.Bare(name).ToLowerInvariant())
            {
                case "nginx":
                    return "/usr/sbin/nginx -t";
                case "ssh":
                case "sshd":
                    return "/usr/sbin/sshd -t";
                case "apache":
                case "apache2":
                case "httpd":
                    return "apachectl configtest";
                case "haproxy":
                    return "haproxy -c -f /etc/haproxy/haproxy.cfg";
                default:
                    return null;
            }
        }
    }
}
