// Why the server refused a record, and what a record is, in the user's language. The server's
// answer carries an English message for developers plus a code and the field it is about
// (DESIGN §5): the user reads a sentence chosen from the code and the field.
import { messages } from "/client/offline/messages.js";
import { OTHER_DOC_LENGTH, TEMP_MAX, TEMP_MIN, TUBE_CAPACITY_MAX, TUBE_CAPACITY_MIN } from "/client/offline/rules.js";

// The bounds the server checks, from the same file (offline/client/rules.json).
const RANGE = `${TEMP_MIN.toFixed(1)}–${TEMP_MAX.toFixed(1)}`;
const CAPACITY = `${TUBE_CAPACITY_MIN}–${TUBE_CAPACITY_MAX}`;
const MESSAGES = {
  zh: {
    types: { gate_entry: "出入登记", tube_open: "开管", sample: "采样", sample_void: "移除样本",
      tube_seal: "封管", tube_reopen: "重新开管", box_pack: "装箱", box_handover: "转运交接",
      record_discard: "放弃记录" },
    fields: { site_id: "地点", direction: "进出方向", temperature_c: "体温", vehicle_plate: "车牌",
      turned_back: "劝返", reason: "原因", note: "备注", tube: "试管条码", capacity: "容量", box: "转运箱条码",
      courier: "转运人", sample_record_id: "样本记录", person: "人员", "person.code": "个人码",
      "person.doc_type": "证件类型", "person.doc_number": "证件号码", "person.name": "姓名",
      "person.phone": "电话", recorded_at: "记录时间", visitor: "访客信息" },
    codes: {
      invalid_id_number: "身份证号校验失败（校验位、出生日期或地区码不对）",
      invalid_tube_barcode: "试管条码格式不对，不是本采样点的试管",
      unknown_type: "记录类型无法识别：请更新应用",
      unknown_site: "地点不存在",
      forbidden_site: "该地点属于其他社区",
      temperature_out_of_range: `体温超出范围（${RANGE} °C）`,
      conflict: "与服务器上同一编号的记录内容不同",
      too_large: "记录太大，无法上传",
      key_lost: "本机的加密密钥已丢失（浏览器数据可能被部分清除），此记录无法解密，也无法上传。请把记录编号告知主管，再放弃此记录。",
    },
    byField: {
      "person.code": "个人码无法识别，请改填证件号码",
      "person.doc_number": `证件号码格式不对（${OTHER_DOC_LENGTH} 位字母或数字）`,
      "person.doc_type": "证件类型不对",
      "person.phone": "电话号码只能是数字",
      "person.name": "姓名太长或含有不能用的字符",
      person: "缺少人员信息",
      sample_record_id: "要移除的样本还没有上传到服务器",
      vehicle_plate: "车牌格式不对（例如 京A12345）",
      temperature_c: "体温必须是数字",
      direction: "进出方向不对",
      capacity: `容量必须是 ${CAPACITY} 的整数`,
    },
    invalid: (field) => `“${field}”的内容不对`,
    unknown: "服务器拒绝了此记录",
  },
  en: {
    types: { gate_entry: "gate passage", tube_open: "tube opened", sample: "sample", sample_void: "sample removed",
      tube_seal: "tube sealed", tube_reopen: "tube reopened", box_pack: "box packed", box_handover: "box handed over",
      record_discard: "record discarded" },
    fields: { site_id: "site", direction: "direction", temperature_c: "temperature", vehicle_plate: "plate",
      turned_back: "turned back", reason: "reason", note: "note", tube: "tube barcode", capacity: "capacity",
      box: "box barcode", courier: "courier", sample_record_id: "sample record", person: "person",
      "person.code": "personal code", "person.doc_type": "document type", "person.doc_number": "document number",
      "person.name": "name", "person.phone": "phone", recorded_at: "time", visitor: "visitor" },
    codes: {
      invalid_id_number: "The ID number fails its check (check digit, birth date or region)",
      invalid_tube_barcode: "Not a tube barcode of this sampling point",
      unknown_type: "Unknown record type: update the app",
      unknown_site: "No such site",
      forbidden_site: "That site belongs to another community",
      temperature_out_of_range: `Temperature out of range (${RANGE} °C)`,
      conflict: "The server holds a different record under the same id",
      too_large: "The record is too large to send",
      key_lost: "This phone's encryption key is lost (browser data partly cleared?): this record cannot be decrypted or sent. Tell your supervisor its number, then discard it.",
    },
    byField: {
      "person.code": "Unknown personal code: enter the document number",
      "person.doc_number": `Document number: ${OTHER_DOC_LENGTH} letters or digits`,
      "person.doc_type": "Wrong document type",
      "person.phone": "The phone number must be digits",
      "person.name": "The name is too long or holds characters that cannot be used",
      person: "The person is missing",
      sample_record_id: "The sample to remove has not reached the server yet",
      vehicle_plate: "Not a mainland plate (e.g. 京A12345)",
      temperature_c: "The temperature must be a number",
      direction: "Wrong direction",
      capacity: `The capacity must be a whole number from ${TUBE_CAPACITY_MIN} to ${TUBE_CAPACITY_MAX}`,
    },
    invalid: (field) => `Wrong value for “${field}”`,
    unknown: "The server refused this record",
  },
};

export const t = messages(MESSAGES);

/** The record type as the user says it. */
export function typeName(type) {
  return t.types[type] || type;
}

/** The field (e.g. "person.doc_number") as the user says it. */
export function fieldName(field) {
  return t.fields[field] || t.fields[String(field).split(".")[0]] || field;
}

/** Why the server refused it: {code, message, field} (or a conflict) -> one sentence. */
export function describe(error) {
  if (!error) return t.unknown;
  const { code, field } = error;
  if (code === "invalid_field" && field) return t.byField[field] || t.invalid(fieldName(field));
  return t.codes[code] || (field ? t.invalid(fieldName(field)) : t.unknown);
}
