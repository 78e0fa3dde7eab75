using System;
using System.Security.Cryptography;
#if NET8_0_OR_GREATER
using System.Numerics;
using System.Runtime.CompilerServices;
#endif

namespace Sentinel.Ssh
{
    /// <summary>
    /// Streamlined NTRU Prime sntrup761, the KEM of the sntrup761x25519-sha512 key exchange: a port of the
    /// reference implementation OpenSSH ships (sntrup761.c, from SUPERCOP's crypto_kem/sntrup761/compact,
    /// public domain, by Daniel J. Bernstein, Chitchanok Chuengsatiansup, Tanja Lange and Christine van
    /// Vredendaal). It keeps the reference's constant-time structure: no branch, loop bound or array index
    /// depends on a secret (conditional swaps and selections are masks; the sort is djbsort's fixed
    /// network; reciprocals run their full 2p-1 steps), and decapsulation rejects implicitly.
    /// Polynomials are held as int arrays of <see cref="Length"/> entries (zero beyond p) so that on .NET 8
    /// the reciprocal steps and products run on Vector&lt;int&gt;, lane for lane the same arithmetic as the
    /// scalar loops; that is what makes it fast (BouncyCastle 2.x spends about 50 ms per connection here).
    /// </summary>
    internal static class Sntrup761
    {
        public const int PublicKeyBytes = 1158;
        public const int SecretKeyBytes = 1763;
        public const int CiphertextBytes = 1039;
        public const int SharedSecretBytes = 32;

        private const int P = 761;
        private const int Q = 4591;
        private const int W = 286;
        private const int Q12 = (Q - 1) / 2;
        private const int SmallBytes = (P + 3) / 4;
        private const int RoundedBytes = 1007;
        private const int HashBytes = 32;
        private const int Length = 768; // p + 1 rounded up to a multiple of every Vector<int>.Count

        /// <summary>The operating system's cryptographic random generator, for real key exchanges.</summary>
        public static readonly Action<byte[]> SystemRandom = buffer =>
        {
            using (var generator = RandomNumberGenerator.Create())
            {
                generator.GetBytes(buffer);
            }
        };

        /// <summary>crypto_kem_sntrup761_keypair; <paramref name="random"/> fills a buffer with random bytes.</summary>
        public static void KeyPair(byte[] publicKey, byte[] secretKey, Action<byte[]> random, bool scalar = false)
        {
            var h = new int[Length];
            var f = new int[Length];
            var ginv = new int[Length];
            var g = new int[Length];
            var buffer = new byte[4 * P];
            try
            {
                // KeyGen: g must be invertible in R/3 (a public retry, as in the reference).
                do
                {
                    SmallRandom(g, buffer, random);
                }
                while (R3Reciprocal(ginv, g, scalar) != 0);

                ShortRandom(f, buffer, random);
                var finv = new int[Length];
                RqReciprocal3(finv, f, scalar);
                RqMultiplySmall(h, finv, g, scalar);
                Array.Clear(finv, 0, finv.Length);

                RqEncode(publicKey, h);
                SmallEncode(secretKey, 0, f);
                SmallEncode(secretKey, SmallBytes, ginv);
                Buffer.BlockCopy(publicKey, 0, secretKey, 2 * SmallBytes, PublicKeyBytes);
                var rho = new byte[SmallBytes];
                random(rho);
                Buffer.BlockCopy(rho, 0, secretKey, 2 * SmallBytes + PublicKeyBytes, SmallBytes);
                Array.Clear(rho, 0, rho.Length);
                HashPrefix(secretKey, 2 * SmallBytes + PublicKeyBytes + SmallBytes, 4, publicKey, 0, PublicKeyBytes);
            }
            finally
            {
                Clear(f, ginv, g);
                Array.Clear(buffer, 0, buffer.Length);
            }
        }

        /// <summary>crypto_kem_sntrup761_enc: a ciphertext for <paramref name="publicKey"/> and the 32-byte key it carries.</summary>
        public static void Encapsulate(byte[] ciphertext, byte[] key, byte[] publicKey, Action<byte[]> random, bool scalar = false)
        {
            var cache = new byte[HashBytes];
            HashPrefix(cache, 0, 4, publicKey, 0, PublicKeyBytes);
            var r = new int[Length];
            var buffer = new byte[4 * P];
            var rEncoded = new byte[SmallBytes];
            try
            {
                ShortRandom(r, buffer, random);
                Hide(ciphertext, rEncoded, r, publicKey, cache, scalar);
                HashSession(key, 1, rEncoded, ciphertext);
            }
            finally
            {
                Clear(r);
                Array.Clear(buffer, 0, buffer.Length);
                Array.Clear(rEncoded, 0, rEncoded.Length);
            }
        }

        /// <summary>
        /// crypto_kem_sntrup761_dec. A ciphertext that does not re-encrypt to itself yields the implicit-rejection
        /// key (a hash of the secret rho and the ciphertext), chosen by a mask, never by a branch.
        /// </summary>
        public static void Decapsulate(byte[] key, byte[] ciphertext, byte[] secretKey, bool scalar = false)
        {
            var publicKey = new byte[PublicKeyBytes];
            Buffer.BlockCopy(secretKey, 2 * SmallBytes, publicKey, 0, PublicKeyBytes);
            var rhoOffset = 2 * SmallBytes + PublicKeyBytes;
            var cache = new byte[HashBytes];
            Buffer.BlockCopy(secretKey, rhoOffset + SmallBytes, cache, 0, HashBytes);

            var f = new int[Length];
            var v = new int[Length];
            var c = new int[Length];
            var r = new int[Length];
            var rEncoded = new byte[SmallBytes];
            var reencrypted = new byte[CiphertextBytes];
            try
            {
                SmallDecode(f, secretKey, 0);
                SmallDecode(v, secretKey, SmallBytes);
                RoundedDecode(c, ciphertext);
                Decrypt(r, c, f, v, scalar);
                Hide(reencrypted, rEncoded, r, publicKey, cache, scalar);

                var differentBits = 0;
                for (var i = 0; i < CiphertextBytes; ++i)
                {
                    differentBits |= ciphertext[i] ^ reencrypted[i];
                }

                var mask = (((differentBits - 1) >> 8) & 1) - 1; // 0 when equal, -1 when not
                for (var i = 0; i < SmallBytes; ++i)
                {
                    rEncoded[i] ^= (byte)(mask & (rEncoded[i] ^ secretKey[rhoOffset + i]));
                }

                HashSession(key, 1 + mask, rEncoded, ciphertext);
            }
            finally
            {
                Clear(f, v, r);
                Array.Clear(rEncoded, 0, rEncoded.Length);
                Array.Clear(reencrypted, 0, reencrypted.Length);
            }
        }

        private static void Clear(params int[][] arrays)
        {
            foreach (var array in arrays)
            {
                Array.Clear(array, 0, array.Length);
            }
        }

        private static int NegativeMask(int x) => x >> 31;

        private static int NonzeroMask(int x) => (x | -x) >> 31;

        private static int F3Freeze(int x) => x - 3 * ((10923 * x + 16384) >> 15);

        private static int FqFreeze(int x)
        {
            const int q16 = (0x10000 + Q / 2) / Q;
            const int q20 = (0x100000 + Q / 2) / Q;
            const int q28 = (0x10000000 + Q / 2) / Q;
            x -= Q * ((q16 * x) >> 16);
            x -= Q * ((q20 * x) >> 20);
            return x - Q * ((q28 * x + 0x8000000) >> 28);
        }

#if NET8_0_OR_GREATER
        private static Vector<int> F3Freeze(Vector<int> x)
            => x - Vector.ShiftRightArithmetic(x * 10923 + new Vector<int>(16384), 15) * 3;

        private static Vector<int> FqFreeze(Vector<int> x)
        {
            const int q16 = (0x10000 + Q / 2) / Q;
            const int q20 = (0x100000 + Q / 2) / Q;
            const int q28 = (0x10000000 + Q / 2) / Q;
            x -= Vector.ShiftRightArithmetic(x * q16, 16) * Q;
            x -= Vector.ShiftRightArithmetic(x * q20, 20) * Q;
            return x - Vector.ShiftRightArithmetic(x * q28 + new Vector<int>(0x8000000), 28) * Q;
        }

        private static bool Vectorized(bool scalar) => !scalar && Vector.IsHardwareAccelerated;
#endif

        private static int WeightMask(int[] r)
        {
            var weight = 0;
            for (var i = 0; i < P; ++i)
            {
                weight += r[i] & 1;
            }

            return NonzeroMask(weight - W);
        }

        private static int FqReciprocal(int a)
        {
            var ai = a;
            for (var i = 1; i < Q - 2; ++i)
            {
                ai = FqFreeze(a * ai);
            }

            return ai;
        }

        /// <summary>h = f * g in Z[x]/(x^p - x - 1), unreduced; f and g are zero beyond p.</summary>
        // Vector<int> code is left out of the ReadyToRun image (its width is the machine's): compiled
        // optimised at once, not at tier 0 and again on stack replacement inside the first key exchange.
#if NET8_0_OR_GREATER
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        private static void Multiply(int[] h, int[] f, int[] g, bool scalar)
        {
            var fg = new int[2 * Length];
            var start = 0;
#if NET8_0_OR_GREATER
            if (Vectorized(scalar))
            {
                for (var i = 0; i < P; ++i)
                {
                    var fi = new Vector<int>(f[i]);
                    for (var j = 0; j < Length; j += Vector<int>.Count)
                    {
                        (new Vector<int>(fg, i + j) + fi * new Vector<int>(g, j)).CopyTo(fg, i + j);
                    }
                }

                start = P;
            }
#endif
            for (var i = start; i < P; ++i)
            {
                var fi = f[i];
                for (var j = 0; j < P; ++j)
                {
                    fg[i + j] += fi * g[j];
                }
            }

            for (var i = P; i < P + P - 1; ++i)
            {
                fg[i - P] += fg[i];
            }

            for (var i = P; i < P + P - 1; ++i)
            {
                fg[i - P + 1] += fg[i];
            }

            Array.Copy(fg, h, P);
            Array.Clear(fg, 0, fg.Length);
        }

        private static void RqMultiplySmall(int[] h, int[] f, int[] g, bool scalar)
        {
            Multiply(h, f, g, scalar);
            for (var i = 0; i < P; ++i)
            {
                h[i] = FqFreeze(h[i]);
            }
        }

        private static void R3Multiply(int[] h, int[] f, int[] g, bool scalar)
        {
            Multiply(h, f, g, scalar);
            for (var i = 0; i < P; ++i)
            {
                h[i] = F3Freeze(h[i]);
            }
        }

        /// <summary>out = 1/in in R/3; returns 0 when invertible, -1 when not. Constant time: 2p-1 division steps.</summary>
        // Vector<int> code is left out of the ReadyToRun image (its width is the machine's): compiled
        // optimised at once, not at tier 0 and again on stack replacement inside the first key exchange.
#if NET8_0_OR_GREATER
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        private static int R3Reciprocal(int[] output, int[] input, bool scalar)
        {
            var f = new int[Length];
            var g = new int[Length];
            var v = new int[Length];
            var r = new int[Length];
            r[0] = 1;
            f[0] = 1;
            f[P - 1] = f[P] = -1;
            for (var i = 0; i < P; ++i)
            {
                g[P - 1 - i] = input[i];
            }

            var delta = 1;
            for (var loop = 0; loop < 2 * P - 1; ++loop)
            {
                Array.Copy(v, 0, v, 1, P);
                v[0] = 0;
                var sign = -g[0] * f[0];
                var swap = NegativeMask(-delta) & NonzeroMask(g[0]);
                delta ^= swap & (delta ^ -delta);
                delta += 1;

                var i = 0;
#if NET8_0_OR_GREATER
                if (Vectorized(scalar))
                {
                    var swapMask = new Vector<int>(swap);
                    var signVector = new Vector<int>(sign);
                    for (; i < Length; i += Vector<int>.Count)
                    {
                        var fi = new Vector<int>(f, i);
                        var gi = new Vector<int>(g, i);
                        var vi = new Vector<int>(v, i);
                        var ri = new Vector<int>(r, i);
                        var t = swapMask & (fi ^ gi);
                        fi ^= t;
                        gi ^= t;
                        t = swapMask & (vi ^ ri);
                        vi ^= t;
                        ri ^= t;
                        fi.CopyTo(f, i);
                        vi.CopyTo(v, i);
                        F3Freeze(gi + signVector * fi).CopyTo(g, i);
                        F3Freeze(ri + signVector * vi).CopyTo(r, i);
                    }
                }
#endif
                for (; i < Length; ++i)
                {
                    var t = swap & (f[i] ^ g[i]);
                    f[i] ^= t;
                    g[i] ^= t;
                    t = swap & (v[i] ^ r[i]);
                    v[i] ^= t;
                    r[i] ^= t;
                    g[i] = F3Freeze(g[i] + sign * f[i]);
                    r[i] = F3Freeze(r[i] + sign * v[i]);
                }

                Array.Copy(g, 1, g, 0, P);
                g[P] = 0;
            }

            var scale = f[0];
            for (var i = 0; i < P; ++i)
            {
                output[i] = scale * v[P - 1 - i];
            }

            Clear(f, g, v, r);
            return NonzeroMask(delta);
        }

        /// <summary>out = 1/(3 in) in R/q; returns 0 when invertible. Constant time: 2p-1 division steps.</summary>
        // Vector<int> code is left out of the ReadyToRun image (its width is the machine's): compiled
        // optimised at once, not at tier 0 and again on stack replacement inside the first key exchange.
#if NET8_0_OR_GREATER
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        private static int RqReciprocal3(int[] output, int[] input, bool scalar)
        {
            var f = new int[Length];
            var g = new int[Length];
            var v = new int[Length];
            var r = new int[Length];
            r[0] = FqReciprocal(3);
            f[0] = 1;
            f[P - 1] = f[P] = -1;
            for (var i = 0; i < P; ++i)
            {
                g[P - 1 - i] = input[i];
            }

            var delta = 1;
            for (var loop = 0; loop < 2 * P - 1; ++loop)
            {
                Array.Copy(v, 0, v, 1, P);
                v[0] = 0;
                var swap = NegativeMask(-delta) & NonzeroMask(g[0]);
                delta ^= swap & (delta ^ -delta);
                delta += 1;
                var t0 = swap & (f[0] ^ g[0]);
                var f0 = f[0] ^ t0; // f[0] and g[0] after the swap
                var g0 = g[0] ^ t0;

                var i = 0;
#if NET8_0_OR_GREATER
                if (Vectorized(scalar))
                {
                    var swapMask = new Vector<int>(swap);
                    var f0Vector = new Vector<int>(f0);
                    var g0Vector = new Vector<int>(g0);
                    for (; i < Length; i += Vector<int>.Count)
                    {
                        var fi = new Vector<int>(f, i);
                        var gi = new Vector<int>(g, i);
                        var vi = new Vector<int>(v, i);
                        var ri = new Vector<int>(r, i);
                        var t = swapMask & (fi ^ gi);
                        fi ^= t;
                        gi ^= t;
                        t = swapMask & (vi ^ ri);
                        vi ^= t;
                        ri ^= t;
                        fi.CopyTo(f, i);
                        vi.CopyTo(v, i);
                        FqFreeze(f0Vector * gi - g0Vector * fi).CopyTo(g, i);
                        FqFreeze(f0Vector * ri - g0Vector * vi).CopyTo(r, i);
                    }
                }
#endif
                for (; i < Length; ++i)
                {
                    var t = swap & (f[i] ^ g[i]);
                    f[i] ^= t;
                    g[i] ^= t;
                    t = swap & (v[i] ^ r[i]);
                    v[i] ^= t;
                    r[i] ^= t;
                    g[i] = FqFreeze(f0 * g[i] - g0 * f[i]);
                    r[i] = FqFreeze(f0 * r[i] - g0 * v[i]);
                }

                Array.Copy(g, 1, g, 0, P);
                g[P] = 0;
            }

            var scale = FqReciprocal(f[0]);
            for (var i = 0; i < P; ++i)
            {
                output[i] = FqFreeze(scale * v[P - 1 - i]);
            }

            Clear(f, g, v, r);
            return NonzeroMask(delta);
        }

        private static void Decrypt(int[] r, int[] c, int[] f, int[] ginv, bool scalar)
        {
            var cf = new int[Length];
            var e = new int[Length];
            var ev = new int[Length];
            RqMultiplySmall(cf, c, f, scalar);
            for (var i = 0; i < P; ++i)
            {
                e[i] = F3Freeze(FqFreeze(3 * cf[i]));
            }

            R3Multiply(ev, e, ginv, scalar);
            var mask = WeightMask(ev);
            for (var i = 0; i < W; ++i)
            {
                r[i] = ((ev[i] ^ 1) & ~mask) ^ 1;
            }

            for (var i = W; i < P; ++i)
            {
                r[i] = ev[i] & ~mask;
            }

            Clear(cf, e, ev);
        }

        private static void Hide(byte[] ciphertext, byte[] rEncoded, int[] r, byte[] publicKey, byte[] cache, bool scalar)
        {
            SmallEncode(rEncoded, 0, r);

            // ZEncrypt: c = Round(h r).
            var h = new int[Length];
            RqDecode(h, publicKey);
            var hr = new int[Length];
            RqMultiplySmall(hr, h, r, scalar);
            var rounded = new ushort[P];
            for (var i = 0; i < P; ++i)
            {
                var ci = hr[i] - F3Freeze(hr[i]);
                rounded[i] = (ushort)(((ci + Q12) * 10923) >> 15);
            }

            Encode(ciphertext, 0, rounded, Fill((Q + 2) / 3), P);
            Array.Clear(hr, 0, hr.Length);
            Array.Clear(rounded, 0, rounded.Length);

            // HashConfirm
            var x = new byte[2 * HashBytes];
            HashPrefix(x, 0, 3, rEncoded, 0, SmallBytes);
            Buffer.BlockCopy(cache, 0, x, HashBytes, HashBytes);
            HashPrefix(ciphertext, RoundedBytes, 2, x, 0, x.Length);
            Array.Clear(x, 0, x.Length);
        }

        private static void HashSession(byte[] key, int b, byte[] rEncoded, byte[] ciphertext)
        {
            var x = new byte[HashBytes + CiphertextBytes];
            HashPrefix(x, 0, 3, rEncoded, 0, SmallBytes);
            Buffer.BlockCopy(ciphertext, 0, x, HashBytes, CiphertextBytes);
            HashPrefix(key, 0, b, x, 0, x.Length);
            Array.Clear(x, 0, HashBytes);
        }

        /// <summary>The first 32 bytes of SHA-512(b || input).</summary>
        private static void HashPrefix(byte[] output, int outputOffset, int b, byte[] input, int offset, int count)
        {
            var x = new byte[count + 1];
            x[0] = (byte)b;
            Buffer.BlockCopy(input, offset, x, 1, count);
#if NET8_0_OR_GREATER
            var h = SHA512.HashData(x);
#else
            byte[] h;
            using (var sha = SHA512.Create())
            {
                h = sha.ComputeHash(x);
            }
#endif
            Buffer.BlockCopy(h, 0, output, outputOffset, HashBytes);
            Array.Clear(x, 0, x.Length);
            Array.Clear(h, 0, h.Length);
        }

        private static uint ReadUInt32(byte[] bytes, int i)
            => (uint)(bytes[4 * i] | bytes[4 * i + 1] << 8 | bytes[4 * i + 2] << 16 | bytes[4 * i + 3] << 24);

        private static void SmallRandom(int[] output, byte[] buffer, Action<byte[]> random)
        {
            random(buffer);
            for (var i = 0; i < P; ++i)
            {
                output[i] = (int)(((ReadUInt32(buffer, i) & 0x3fffffff) * 3) >> 30) - 1;
            }
        }

        /// <summary>A random polynomial with exactly w coefficients ±1: fixed-weight list, sorted by a fixed network.</summary>
        private static void ShortRandom(int[] output, byte[] buffer, Action<byte[]> random)
        {
            random(buffer);
            var list = new int[P];
            for (var i = 0; i < W; ++i)
            {
                list[i] = (int)(ReadUInt32(buffer, i) & ~1u);
            }

            for (var i = W; i < P; ++i)
            {
                list[i] = (int)((ReadUInt32(buffer, i) & ~3u) | 1);
            }

            // crypto_sort_uint32: flip the top bit, sort as int32, flip back (only the low two bits are used).
            for (var i = 0; i < P; ++i)
            {
                list[i] ^= int.MinValue;
            }

            SortInt32(list);
            for (var i = 0; i < P; ++i)
            {
                output[i] = (list[i] & 3) - 1;
            }

            Array.Clear(list, 0, list.Length);
        }

        private static void MinMax(int[] x, int a, int b)
        {
            var p = x[a];
            var q = x[b];
            var swap = (int)(((long)q - p) >> 63) & (p ^ q); // p ^ q when q < p, computed without a branch
            x[a] = p ^ swap;
            x[b] = q ^ swap;
        }

        /// <summary>djbsort (SUPERCOP crypto_sort/int32/portable4): a sorting network whose steps depend only on the length.</summary>
        private static void SortInt32(int[] x)
        {
            var n = x.Length;
            var top = 1;
            while (top < n - top)
            {
                top += top;
            }

            for (var p = top; p >= 1; p >>= 1)
            {
                var i = 0;
                while (i + 2 * p <= n)
                {
                    for (var j = i; j < i + p; ++j)
                    {
                        MinMax(x, j, j + p);
                    }

                    i += 2 * p;
                }

                for (var j = i; j < n - p; ++j)
                {
                    MinMax(x, j, j + p);
                }

                i = 0;
                var k = 0;
                for (var q = top; q > p; q >>= 1)
                {
                    if (k != i)
                    {
                        var done = false;
                        for (; ;)
                        {
                            if (k == n - q)
                            {
                                done = true;
                                break;
                            }

                            var a = x[k + p];
                            for (var r = q; r > p; r >>= 1)
                            {
                                MinMaxInto(ref a, x, k + r);
                            }

                            x[k + p] = a;
                            ++k;
                            if (k == i + p)
                            {
                                i += 2 * p;
                                break;
                            }
                        }

                        if (done)
                        {
                            continue;
                        }
                    }

                    while (i + p <= n - q)
                    {
                        for (k = i; k < i + p; ++k)
                        {
                            var a = x[k + p];
                            for (var r = q; r > p; r >>= 1)
                            {
                                MinMaxInto(ref a, x, k + r);
                            }

                            x[k + p] = a;
                        }

                        i += 2 * p;
                    }

                    k = i;
                    while (k < n - q)
                    {
                        var a = x[k + p];
                        for (var r = q; r > p; r >>= 1)
                        {
                            MinMaxInto(ref a, x, k + r);
                        }

                        x[k + p] = a;
                        ++k;
                    }
                }
            }
        }

        /// <summary>int32_MINMAX(a, x[b]): a gets the smaller, x[b] the larger, without a branch.</summary>
        private static void MinMaxInto(ref int a, int[] x, int b)
        {
            var q = x[b];
            var swap = (int)(((long)q - a) >> 63) & (a ^ q);
            a ^= swap;
            x[b] = q ^ swap;
        }

        private static ushort[] Fill(int modulus)
        {
            var m = new ushort[P];
            for (var i = 0; i < P; ++i)
            {
                m[i] = (ushort)modulus;
            }

            return m;
        }

        private static void SmallEncode(byte[] s, int offset, int[] f)
        {
            for (var i = 0; i < P / 4; ++i)
            {
                var x = 0;
                for (var j = 0; j < 4; ++j)
                {
                    x += (f[4 * i + j] + 1) << (2 * j);
                }

                s[offset + i] = (byte)x;
            }

            s[offset + P / 4] = (byte)(f[P - 1] + 1);
        }

        private static void SmallDecode(int[] f, byte[] s, int offset)
        {
            for (var i = 0; i < P / 4; ++i)
            {
                int x = s[offset + i];
                for (var j = 0; j < 4; ++j)
                {
                    f[4 * i + j] = ((x >> (2 * j)) & 3) - 1;
                }
            }

            f[P - 1] = (s[offset + P / 4] & 3) - 1;
        }

        private static void RqEncode(byte[] s, int[] r)
        {
            var values = new ushort[P];
            for (var i = 0; i < P; ++i)
            {
                values[i] = (ushort)(r[i] + Q12);
            }

            Encode(s, 0, values, Fill(Q), P);
        }

        private static void RqDecode(int[] r, byte[] s)
        {
            var values = new ushort[P];
            Decode(values, s, 0, Fill(Q), P);
            for (var i = 0; i < P; ++i)
            {
                r[i] = values[i] - Q12;
            }
        }

        private static void RoundedDecode(int[] r, byte[] s)
        {
            var values = new ushort[P];
            Decode(values, s, 0, Fill((Q + 2) / 3), P);
            for (var i = 0; i < P; ++i)
            {
                r[i] = values[i] * 3 - Q12;
            }
        }

        /// <summary>Division by a public 14-bit modulus without a division instruction on the secret.</summary>
        private static uint DivMod14(out ushort remainder, uint x, ushort m)
        {
            uint v = 0x80000000 / m;
            var part = (uint)((x * (ulong)v) >> 31);
            x -= part * m;
            var quotient = part;
            part = (uint)((x * (ulong)v) >> 31);
            x -= part * m;
            quotient += part;
            x -= m;
            quotient += 1;
            var mask = (uint)NegativeMask((int)x);
            x += mask & m;
            quotient += mask;
            remainder = (ushort)x;
            return quotient;
        }

        private static ushort Mod14(uint x, ushort m)
        {
            DivMod14(out var remainder, x, m);
            return remainder;
        }

        /// <summary>The reference's mixed-radix Encode: the byte layout depends only on the (public) moduli.</summary>
        private static void Encode(byte[] output, int position, ushort[] r, ushort[] m, int length)
        {
            if (length == 1)
            {
                uint value = r[0], modulus = m[0];
                while (modulus > 1)
                {
                    output[position++] = (byte)value;
                    value >>= 8;
                    modulus = (modulus + 255) >> 8;
                }

                return;
            }

            var half = (length + 1) / 2;
            var r2 = new ushort[half];
            var m2 = new ushort[half];
            int i;
            for (i = 0; i < length - 1; i += 2)
            {
                uint m0 = m[i];
                var value = r[i] + r[i + 1] * m0;
                var modulus = m[i + 1] * m0;
                while (modulus >= 16384)
                {
                    output[position++] = (byte)value;
                    value >>= 8;
                    modulus = (modulus + 255) >> 8;
                }

                r2[i / 2] = (ushort)value;
                m2[i / 2] = (ushort)modulus;
            }

            if (i < length)
            {
                r2[i / 2] = r[i];
                m2[i / 2] = m[i];
            }

            Encode(output, position, r2, m2, half);
            Array.Clear(r2, 0, r2.Length);
        }

        private static void Decode(ushort[] output, byte[] s, int position, ushort[] m, int length)
        {
            if (length == 1)
            {
                if (m[0] == 1)
                {
                    output[0] = 0;
                }
                else if (m[0] <= 256)
                {
                    output[0] = Mod14(s[position], m[0]);
                }
                else
                {
                    output[0] = Mod14((uint)(s[position] + (s[position + 1] << 8)), m[0]);
                }

                return;
            }

            var half = (length + 1) / 2;
            var r2 = new ushort[half];
            var m2 = new ushort[half];
            var bottomR = new ushort[length / 2];
            var bottomT = new uint[length / 2];
            int i;
            for (i = 0; i < length - 1; i += 2)
            {
                var modulus = m[i] * (uint)m[i + 1];
                if (modulus > 256 * 16383)
                {
                    bottomT[i / 2] = 256 * 256;
                    bottomR[i / 2] = (ushort)(s[position] + 256 * s[position + 1]);
                    position += 2;
                    m2[i / 2] = (ushort)((((modulus + 255) >> 8) + 255) >> 8);
                }
                else if (modulus >= 16384)
                {
                    bottomT[i / 2] = 256;
                    bottomR[i / 2] = s[position];
                    position += 1;
                    m2[i / 2] = (ushort)((modulus + 255) >> 8);
                }
                else
                {
                    bottomT[i / 2] = 1;
                    bottomR[i / 2] = 0;
                    m2[i / 2] = (ushort)modulus;
                }
            }

            if (i < length)
            {
                m2[i / 2] = m[i];
            }

            Decode(r2, s, position, m2, half);
            var o = 0;
            for (i = 0; i < length - 1; i += 2)
            {
                var value = bottomR[i / 2] + bottomT[i / 2] * r2[i / 2];
                var high = DivMod14(out var low, value, m[i]);
                output[o++] = low;
                output[o++] = Mod14(high, m[i + 1]);
            }

            if (i < length)
            {
                output[o] = r2[i / 2];
            }
        }
    }
}
