using System;

namespace Sentinel.Tests.HostKeys
{
    /// <summary>Real public keys made by ssh-keygen, with the fingerprints ssh-keygen -l printed for them.</summary>
    internal static class TestKeys
    {
        public const string Ed25519 = KnownHostsFileTests.KeyBase64;
        public const string Ed25519Fingerprint = KnownHostsFileTests.KeyFingerprint;

        public const string Rsa = "AAAAB3NzaC1yc2EAAAADAQABAAABAQDcd3uaIv1SjFJErEipcFYgXINcYc+i/xzQEA2YyFpDpk1CNiukjFE2A5/WAM8dzdd3q4oin1Sp/ulDr6YhuquIt6EjGUOszVcKLs+6uJP6CVnjlUdkIOSNRwj7T91PxhcjNrXIBgW2o3DXtkXb8tYgrAiXf/uo781C/hMWsUPwiatVT16IkfhlKVwYApnYBw8mOnCXonMS9l4vWHY/Xm36ofjIX6hADHyF/VpUafGZPF5/9MTsxbhFglV3f9P97QMXuwrWmjsr2E8U9Jev2wHaJKI6IeyyAvxpZUosHEaWDBFlzSXxM2yp+BJVbAGW3ubd4wAkLuNvsCmC2CXcVuOT";
        public const string RsaFingerprint = "SHA256:km/zRA8YBOPy8mi3Wp7VsqDS26qbGjbkeuDOrS98tRA";

        public const string Ecdsa256 = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKT/8Ufc+E2ycnLUD9tSIJ4LKdY3zV8Fi/pQpmWL/I2O63THsfv1T5oWtfsf/gP3nfO4yNvAwI5FSZWn2CEBvCI=";
        public const string Ecdsa256Fingerprint = "SHA256:elog9LXEL9cMDz75Q3A9uH/TFOdNlJwQ2ZLAy3AH3oU";

        public const string Ecdsa384 = "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBIyu9v76IWlVamftTKFxc7tvFPaLZAKAi/JFUDJpYaJhbogMaDN0otVqd5j1QGSNDy5vZFiOaS4Vl/WdQgkybuZ7UTYbUfystLhyNGdSLUtlx2l9FcsZfSZOQ6oIsRfXvA==";

        public const string Ecdsa521 = "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBADSD0fX7gTIgeJKxf6ajOnbbesYd68gYy7WL9CzwodejqcSVx2mY6+wt38zNVmYRpBFaSHU1FoPW4UUBr7tURlmZQDALruF95t9sIzAKwSerkGagOrkcssKlzUOAAzTit8XDeA7kBJm5pZolytzqZXX+eNFIYUsccZsVBnwtWLZciSuZw==";

        /// <summary>An ed25519 host certificate (ssh-keygen -s ca -h -n web01).</summary>
        public const string Ed25519Certificate = "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIMaVNgWffA/WD3cULkmhBSvgoVt2ocJAzZ9iAr20A4f1AAAAIHQq+nMBCO7jQu0bhXd+6vDoGl0CmYMAOcTwHI9WoSHYAAAAAAAAAAAAAAACAAAABGhvc3QAAAAJAAAABXdlYjAxAAAAAAAAAAD//////////wAAAAAAAAAAAAAAAAAAADMAAAALc3NoLWVkMjU1MTkAAAAgqI0/5TFvAAnHvI4dAaGYkQXpAIIUEGT+7iG7D0NWSk0AAABTAAAAC3NzaC1lZDI1NTE5AAAAQP0Vqazewcq91w9Yn0cVay875b6CMXgLwdxjW8ZGUI8JRcTHP5sR5JRFGYqHv5AwY9WL4CGH/KUL87JvbP8vPAw=";

        public static byte[] Bytes(string base64) => Convert.FromBase64String(base64);

        /// <summary>The same key with its last byte changed: another key of the same type.</summary>
        public static byte[] Changed(string base64)
        {
            var key = Bytes(base64);
            key[key.Length - 1] ^= 0xFF;
            return key;
        }
    }
}
