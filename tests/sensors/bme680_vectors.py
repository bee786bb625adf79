#!/usr/bin/env python3
"""Independent generator of the BME680 / BME688 test vectors of tests/sensors/bme680-compensation.test.ts
(sensors/bme680-compensation.ts), written to tests/sensors/bme680_vectors.json.

Written from the published formulas, not from the driver:
  * float path: Bosch BME680 datasheet BST-BME680-DS001, section 3.3.1-3.3.3 (T, P, H), 3.3.5 (res_heat_x),
    3.4.1 table 16 (gas resistance with const_array1/const_array2, BME680 only);
  * integer path: Bosch BME680_driver bme680.c v3.5.5: calc_temperature, calc_pressure, calc_humidity,
    calc_gas_resistance (lookupTable1/2), calc_heater_res, calc_heater_dur.
  * BME688 gas resistance: Bosch BME68x SensorAPI v4.4.8 (bme68x.c), the "high" gas variant (variant_id 0x01):
    float  R = 1e6 * (262144 >> range) / (4096 + 3 * (adc - 512))
    int    R = ((10000 * (262144 >> range)) // (4096 + 3 * (adc - 512))) * 100   (uint32 arithmetic)
Run: python3 tests/sensors/bme680_vectors.py > tests/sensors/bme680_vectors.json
"""
import json

COEFF1 = [0x3D,0x4B,0x68,0x03,0x10,0xC1,0x8D,0x2D,0xD7,0x58,0x00,0x93,0x1A,0xCD,0xFF,0x25,0x1E,0x00,0x00,0x26,0xF8,0x0C,0xF4,0x1E,0x00]
COEFF2 = [0x3F,0x9A,0x31,0x00,0x2D,0x14,0x78,0x9C,0x56,0x65,0xB8,0xCE,0xEF,0x12,0x00,0x00]
OTHER = [0x2A,0xAA,0x16,0x00,0xE3]

def s8(b): return b - 256 if b > 127 else b
def s16(l, h):
    v = (h << 8) | l
    return v - 65536 if v > 32767 else v

a, b = COEFF1, COEFF2
cal = dict(
    t1=(b[9] << 8) | b[8], t2=s16(a[1], a[2]), t3=s8(a[3]),
    p1=(a[6] << 8) | a[5], p2=s16(a[7], a[8]), p3=s8(a[9]), p4=s16(a[11], a[12]), p5=s16(a[13], a[14]),
    p6=s8(a[16]), p7=s8(a[15]), p8=s16(a[19], a[20]), p9=s16(a[21], a[22]), p10=a[23],
    h1=(b[2] << 4) | (b[1] & 15), h2=(b[0] << 4) | (b[1] >> 4), h3=s8(b[3]), h4=s8(b[4]), h5=s8(b[5]), h6=b[6], h7=s8(b[7]),
    g1=s8(b[12]), g2=s16(b[10], b[11]), g3=s8(b[13]),
    resHeatVal=s8(OTHER[0]), resHeatRange=(OTHER[2] & 0x30) >> 4, rangeSwitchingError=s8(OTHER[4] & 0xF0) // 16,
)

def cdiv(x, y):  # C integer division (truncates toward zero)
    q = abs(x) // abs(y)
    return q if (x >= 0) == (y > 0) else -q

def i32(x):
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x

# ---- float path (datasheet 3.3) ----
def f_temp(adc):
    v1 = (adc / 16384.0 - cal['t1'] / 1024.0) * cal['t2']
    v2 = ((adc / 131072.0 - cal['t1'] / 8192.0) ** 2) * (cal['t3'] * 16.0)
    tf = v1 + v2
    return tf, tf / 5120.0

def f_pres(tf, adc):
    c = cal
    v1 = tf / 2.0 - 64000.0
    v2 = v1 * v1 * (c['p6'] / 131072.0)
    v2 = v2 + v1 * c['p5'] * 2.0
    v2 = v2 / 4.0 + c['p4'] * 65536.0
    v1 = ((c['p3'] * v1 * v1) / 16384.0 + c['p2'] * v1) / 524288.0
    v1 = (1.0 + v1 / 32768.0) * c['p1']
    p = 1048576.0 - adc
    p = ((p - v2 / 4096.0) * 6250.0) / v1
    v1 = (c['p9'] * p * p) / 2147483648.0
    v2 = p * (c['p8'] / 32768.0)
    v3 = (p / 256.0) ** 3 * (c['p10'] / 131072.0)
    return p + (v1 + v2 + v3 + c['p7'] * 128.0) / 16.0

def f_hum(tf, adc):
    c = cal
    t = tf / 5120.0
    v1 = adc - (c['h1'] * 16.0 + (c['h3'] / 2.0) * t)
    v2 = v1 * ((c['h2'] / 262144.0) * (1.0 + (c['h4'] / 16384.0) * t + (c['h5'] / 1048576.0) * t * t))
    h = v2 + (c['h6'] / 16384.0 + (c['h7'] / 2097152.0) * t) * v2 * v2
    return min(100.0, max(0.0, h))

A1 = [1, 1, 1, 1, 1, 0.99, 1, 0.992, 1, 1, 0.998, 0.995, 1, 0.99, 1, 1]
A2 = [8000000, 4000000, 2000000, 1000000, 499500.4995, 248262.1648, 125000, 63004.03226, 31281.28128, 15625,
      7812.5, 3906.25, 1953.125, 976.5625, 488.28125, 244.140625]

def f_gas(adc, rng):
    v1 = (1340.0 + 5.0 * cal['rangeSwitchingError']) * A1[rng]
    return v1 * A2[rng] / (adc - 512.0 + v1)

def f_heat(target, amb):
    c = cal
    v1 = c['g1'] / 16.0 + 49.0
    v2 = (c['g2'] / 32768.0) * 0.0005 + 0.00235
    v3 = c['g3'] / 1024.0
    v4 = v1 * (1.0 + v2 * target)
    v5 = v4 + v3 * amb
    return int(3.4 * ((v5 * (4.0 / (4.0 + c['resHeatRange'])) * (1.0 / (1.0 + c['resHeatVal'] * 0.002))) - 25))

# ---- integer path (bme680.c) ----
def i_temp(adc):
    c = cal
    v1 = (adc >> 3) - (c['t1'] << 1)
    v2 = (v1 * c['t2']) >> 11
    v3 = ((v1 >> 1) * (v1 >> 1)) >> 12
    v3 = (v3 * (c['t3'] << 4)) >> 14
    tf = i32(v2 + v3)
    return tf, ((tf * 5) + 128) >> 8   # centi-degC

def i_pres(tf, adc):
    c = cal
    v1 = (tf >> 1) - 64000
    v2 = ((((v1 >> 2) * (v1 >> 2)) >> 11) * c['p6']) >> 2
    v2 = v2 + ((v1 * c['p5']) << 1)
    v2 = (v2 >> 2) + (c['p4'] << 16)
    v1 = (((((v1 >> 2) * (v1 >> 2)) >> 13) * (c['p3'] << 5)) >> 3) + ((c['p2'] * v1) >> 1)
    v1 = v1 >> 18
    v1 = ((32768 + v1) * c['p1']) >> 15
    pc = 1048576 - adc
    pc = i32((pc - (v2 >> 12)) * 3125)
    # var4 = (int32)(1U<<31) = INT32_MIN, so "pressure_comp >= var4" always holds: divide (unsigned) first
    pc = i32(((pc & 0xFFFFFFFF) // (v1 & 0xFFFFFFFF)) << 1)
    v1 = (c['p9'] * (((pc >> 3) * (pc >> 3)) >> 13)) >> 12
    v2 = ((pc >> 2) * c['p8']) >> 13
    v3 = ((pc >> 8) * (pc >> 8) * (pc >> 8) * c['p10']) >> 17
    return pc + ((v1 + v2 + v3 + (c['p7'] << 7)) >> 4)

def i_hum(tf, adc):
    c = cal
    ts = ((tf * 5) + 128) >> 8
    v1 = (adc - c['h1'] * 16) - (cdiv(ts * c['h3'], 100) >> 1)
    v2 = (c['h2'] * (cdiv(ts * c['h4'], 100) + cdiv((ts * cdiv(ts * c['h5'], 100)) >> 6, 100) + (1 << 14))) >> 10
    v3 = v1 * v2
    v4 = c['h6'] << 7
    v4 = (v4 + cdiv(ts * c['h7'], 100)) >> 4
    v5 = ((v3 >> 14) * (v3 >> 14)) >> 10
    v6 = (v4 * v5) >> 1
    h = (((v3 + v6) >> 10) * 1000) >> 12
    return min(100000, max(0, h))   # milli-%RH

L1 = [2147483647, 2147483647, 2147483647, 2147483647, 2147483647, 2126008810, 2147483647, 2130303777, 2147483647,
      2147483647, 2143188679, 2136746228, 2147483647, 2126008810, 2147483647, 2147483647]
L2 = [4096000000, 2048000000, 1024000000, 512000000, 255744255, 127110228, 64000000, 32258064, 16016016, 8000000,
      4000000, 2000000, 1000000, 500000, 250000, 125000]

def i_gas(adc, rng):
    v1 = ((1340 + 5 * cal['rangeSwitchingError']) * L1[rng]) >> 16
    v2 = ((adc << 15) - 16777216) + v1
    v3 = (L2[rng] * v1) >> 9
    return (v3 + (v2 >> 1)) // v2

def f_gas_high(adc, rng):
    return 1e6 * (262144 >> rng) / (4096 + 3 * (adc - 512))

def i_gas_high(adc, rng):
    v1 = 262144 >> rng
    v2 = 4096 + 3 * (adc - 512)
    assert 10000 * v1 < 2 ** 32
    return ((10000 * v1) // v2) * 100

def i_heat(temp, amb):
    c = cal
    temp = min(400, max(200, temp))
    v1 = cdiv(amb * c['g3'], 1000) * 256
    v2 = (c['g1'] + 784) * cdiv(cdiv((c['g2'] + 154009) * temp * 5, 100) + 3276800, 10)
    v3 = v1 + cdiv(v2, 2)
    v4 = cdiv(v3, c['resHeatRange'] + 4)
    v5 = 131 * c['resHeatVal'] + 65536
    x100 = (cdiv(v4, v5) - 250) * 34
    return cdiv(x100 + 50, 100) & 0xFF

def i_dur(d):
    if d >= 0xFC0: return 0xFF
    f = 0
    while d > 0x3F:
        d //= 4; f += 1
    return d + f * 64

tph = [(400000, 300000, 18000), (480000, 330000, 22000), (520000, 360000, 26000), (560000, 400000, 30000), (350000, 250000, 15000)]
out = {"registers": {"coeff1": COEFF1, "coeff2": COEFF2, "other": OTHER}, "calibration": cal, "tph": [], "gas": [], "gasHigh": [], "heater": [], "gasWait": []}
for t, p, h in tph:
    tf, T = f_temp(t); itf, iT = i_temp(t)
    out["tph"].append(dict(adcT=t, adcP=p, adcH=h, tFine=tf, temperature=T, pressure=f_pres(tf, p), humidity=f_hum(tf, h),
                           intTemperature=iT, intPressure=i_pres(itf, p), intHumidity=i_hum(itf, h)))
for rng in range(16):
    for adc in (100, 512, 900):
        out["gas"].append(dict(adc=adc, range=rng, resistance=f_gas(adc, rng), intResistance=i_gas(adc, rng)))
for rng in range(16):
    for adc in (0, 100, 512, 900, 1023):
        out["gasHigh"].append(dict(adc=adc, range=rng, resistance=f_gas_high(adc, rng), intResistance=i_gas_high(adc, rng)))
for target, amb in ((200, 25), (320, 25), (320, 0), (400, 40)):
    out["heater"].append(dict(target=target, ambient=amb, float=f_heat(target, amb), int=i_heat(target, amb)))
for d in (1, 63, 64, 100, 150, 1000, 4032):
    out["gasWait"].append(dict(ms=d, vendor=i_dur(d)))
print(json.dumps(out, indent=1))
